"""Every write of the spares area (deposits, the stock journal), one module per section; re-exported."""

from .deposits import (  # noqa: F401
    deposit_amount_parse,
    deposit_forfeit_balance,
    deposit_paid_on_parse,
    deposit_record,
    deposit_refund_balance,
)
from .journal import MT, Kind, location_get  # noqa: F401
from .replenishment import replenishment_decide, replenishment_request  # noqa: F401
from .returns import (  # noqa: F401
    accessory_sell,
    defective_receive,
    defective_return,
    movement_reverse,
    obligation_mark_overdue,
    stocktake_decide,
    stocktake_propose,
    write_off_decide,
    write_off_request,
)
from .shipments import hq_stock_receive, shipment_create, shipment_receive  # noqa: F401
from .tickets import spare_lend, spare_return_from_loan, spare_swap, stock_use_for_ticket  # noqa: F401
