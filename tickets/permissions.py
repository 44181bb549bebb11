from repairnet import roles

H, C, T, HQ, INSP, F = roles.HOTLINE, roles.COORDINATOR, roles.TECHNICIAN, roles.HQ, roles.INSPECTOR, roles.FINANCE
R = roles.REGIONAL  # a regional manager: oversight and dispatch in their region (repairnet.roles.is_regional)

roles.register(
    {
        "tickets.view": {H, C, T, HQ, INSP, F, R},
        "tickets.create": {H, HQ},
        "tickets.dispatch": {H, HQ, R},
        "tickets.reject": {C, T},
        "tickets.accept": {C, T, HQ, R},  # HQ and the coordinator accept for a named technician (tickets.assign)
        "tickets.assign": {
            C,
            HQ,
            R,
        },  # name or change the technician of a ticket (派工); technicians take only their own
        "tickets.work": {C, T},
        "tickets.cancel": {H, HQ, C},
        "tickets.queue": {C, T},
        "tickets.dashboard": {H, HQ, C, F, R},
        "customers.lookup": {H, HQ},
        # need to know (SPEC 8): a customer's whole phone once the ticket is closed; see selectors.customer_phone_for
        "customers.phone_whole": {H, HQ},
        "customers.merge": {HQ},  # one person logged as two customers: merge the duplicate into the one kept
        "callbacks.view": {H, HQ},
        "callbacks.make": {H, HQ},
        "complaints.view": {H, HQ, C, R},
        "complaints.create": {H, HQ},
        "complaints.acknowledge": {HQ, C},  # the station acknowledges its own complaints within 24 h
        "complaints.handle": {HQ},
        "complaints.deadlines": {HQ},  # flag and escalate complaints past their deadlines
        "daily_reports.view": {HQ, C, R},
        "daily_reports.submit": {C},
        "sla.view": {H, HQ, C, T, R},
        "tickets.holidays.load": {HQ},  # load a year of public holidays into the SLA calendar
        "tickets.rewards": {HQ},  # raise a month's or a quarter's automatic rewards
        "tickets.report_fabricated": {HQ},  # a fabricated or duplicate ticket: the station's penalty
    }
)
# jobs (roles.SYSTEM): the monthly holiday refresh, the complaint deadlines, the automatic rewards, the merge of
# duplicate customers (manage.py customers_merge_duplicates)
roles.allow_system("tickets.holidays.load", "complaints.deadlines", "tickets.rewards", "customers.merge")
