from repairnet import roles

STATION = {roles.COORDINATOR, roles.TECHNICIAN}

roles.register(
    {
        # Station staff see their own station's inspections once submitted (never drafts: selectors).
        "inspections.view": {roles.HQ, roles.INSPECTOR, roles.REGIONAL, *STATION},
        "inspections.schedule": {roles.HQ},
        "inspections.fill": {roles.INSPECTOR},
        "inspections.overview": {roles.HQ, roles.INSPECTOR, roles.REGIONAL},
        "inspections.templates": {roles.HQ, roles.INSPECTOR},
        "rectifications.view": {roles.HQ, roles.INSPECTOR, roles.REGIONAL, *STATION},
        "rectifications.answer": {roles.COORDINATOR},
        "rectifications.confirm": {roles.INSPECTOR},
    }
)
