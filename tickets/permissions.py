from repairnet import roles

H, C, T, HQ, INSP, F = roles.HOTLINE, roles.COORDINATOR, roles.TECHNICIAN, roles.HQ, roles.INSPECTOR, roles.FINANCE

roles.register(
    {
        "tickets.view": {H, C, T, HQ, INSP, F},
        "tickets.create": {H, HQ},
        "tickets.dispatch": {H, HQ},
        "tickets.reject": {C, T},
        "tickets.accept": {C, T},
        "tickets.work": {C, T},
        "tickets.cancel": {H, HQ, C},
        "tickets.queue": {C, T},
        "tickets.dashboard": {H, HQ, C, F},
        "customers.lookup": {H, HQ},
        "callbacks.view": {H, HQ},
        "callbacks.make": {H, HQ},
        "complaints.view": {H, HQ, C},
        "complaints.create": {H, HQ},
        "complaints.handle": {HQ},
        "daily_reports.view": {HQ, C},
        "daily_reports.submit": {C},
        "sla.view": {H, HQ, C, T},
        "tickets.holidays.load": {HQ},  # load a year of public holidays into the SLA calendar
    }
)
# jobs (roles.SYSTEM): the monthly holiday refresh
roles.allow_system("tickets.holidays.load")
