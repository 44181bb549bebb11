from repairnet import roles

roles.register(
    {
        # the signals page and API: HQ and the administrator decide; finance reads (savings, excluded tickets)
        "fraud.view": {roles.HQ, roles.ADMIN, roles.FINANCE, roles.REGIONAL},  # a regional manager: their region only
        "fraud.decide": {roles.HQ, roles.ADMIN},
        "fraud.evaluate": {roles.HQ, roles.ADMIN},
    }
)
roles.allow_system("fraud.evaluate")
