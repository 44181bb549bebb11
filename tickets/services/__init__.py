"""Tickets services, one module per section; re-exported so callers use ``tickets.services.<name>``."""

from .callbacks import (  # noqa: F401
    _callback_answer,
    _callback_finish,
    _callback_lock,
    callback_answer_by_customer,
    callback_attempt,
    callbacks_sweep,
    sla_breaches_record,
    sla_warnings_raise,
)
from .complaints import (  # noqa: F401
    complaint_acknowledge,
    complaint_create,
    complaint_deadlines_check,
    complaint_resolve,
)
from .customers import customers_merge, customers_merge_duplicates  # noqa: F401
from .daily_reports import (  # noqa: F401
    _day_bounds,
    _spares_on_loan,
    daily_report_late_penalties_raise,
    daily_report_submit,
    daily_reports_build,
    daily_reports_close,
)
from .fraud import fabricated_ref, ticket_report_fabricated  # noqa: F401
from .holidays import holidays_load, holidays_refresh  # noqa: F401
from .intake import (  # noqa: F401
    OpenTicketExists,
    _customer_checked,
    _customer_resolve,
    _deadlines_set,
    _device_found,
    _device_new_checked,
    _open_ticket_checked,
    _repeat_sources,
    repeat_source_for,
    ticket_call_add,
    ticket_create,
    ticket_number_next,
)
from .lifecycle import (  # noqa: F401
    SPARE_ACTIONS,
    _lock,
    _parts_record,
    _technician_is_certified,
    callback_open,
    signature_from_data_url,
    ticket_accept,
    ticket_arrive,
    ticket_await_parts,
    ticket_cancel,
    ticket_complete,
    ticket_depart,
    ticket_dispatch,
    ticket_escalate,
    ticket_reassign,
    ticket_reject,
    ticket_reprioritise,
    ticket_resolve_by_phone,
    ticket_resume,
    ticket_schedule,
    ticket_spare_machine,
    ticket_transition,
)
from .rewards import rewards_month, rewards_quarter  # noqa: F401
from .self_service import (  # noqa: F401
    SelfServiceThrottled,
    self_service_access_issue,
    self_service_lookup,
    self_service_not_found_text,
    self_service_ticket_id,
)
from .warranty import (  # noqa: F401
    _add_months,
    manufacture_date_from_serial,
    serial_validate,
    warranty_decide,
)
