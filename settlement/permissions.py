from repairnet import roles
from repairnet.roles import COORDINATOR, FINANCE, HQ, REGIONAL

roles.register(
    {
        # statements: finance and HQ see all; a coordinator sees only their own station's (scope)
        "settlement.view": {FINANCE, HQ, COORDINATOR, REGIONAL},
        "settlement.run": {FINANCE},
        "settlement.issue": {FINANCE},
        "settlement.confirm": {COORDINATOR},
        "settlement.dispute": {COORDINATOR},
        "settlement.resolve": {FINANCE},
        "settlement.approve": {FINANCE},
        "settlement.pay": {FINANCE},
        "settlement.adjust": {FINANCE},
        "settlement.pdf": {FINANCE, HQ, COORDINATOR, REGIONAL},
        "settlement.export": {FINANCE},
        "settlement.rules": {FINANCE, HQ},
        "settlement.remind": {FINANCE},  # e-mail finance the statements past their due date
    }
)
# jobs (roles.SYSTEM): the daily reminder of overdue statements
roles.allow_system("settlement.remind")
