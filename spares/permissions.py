from repairnet import roles
from repairnet.roles import COORDINATOR, FINANCE, HQ, INSPECTOR, REGIONAL, TECHNICIAN

roles.register(
    {
        "spares.view": {
            HQ,
            FINANCE,
            INSPECTOR,
            COORDINATOR,
            TECHNICIAN,
            REGIONAL,
        },  # stock, catalogue, journal (scoped)
        "spares.report": {HQ, FINANCE, INSPECTOR},  # network stock, value, ageing, overdue returns
        "spares.ship": {HQ},
        "spares.receive": {COORDINATOR, TECHNICIAN},
        "spares.use": {COORDINATOR, TECHNICIAN},  # parts on a ticket, loans, swaps, sales
        "spares.return_defective": {COORDINATOR, TECHNICIAN},
        "spares.receive_defective": {HQ},
        "spares.write_off.request": {COORDINATOR},
        "spares.replenish": {COORDINATOR},  # ask HQ for stock; HQ approves with spares.ship
        "spares.approve": {HQ},  # write-offs and stocktake adjustments
        "spares.stocktake": {HQ, INSPECTOR},
        "spares.reverse": {HQ},
        "spares.deposit.view": {HQ, FINANCE, COORDINATOR},
        "spares.deposit.record": {HQ, FINANCE},
        "spares.obligations.mark_overdue": {HQ},  # the daily job, as roles.SYSTEM
    }
)
roles.allow_system("spares.obligations.mark_overdue")
