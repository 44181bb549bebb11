"""Settlement writes (the monthly run, the statement flow, manual adjustments), one module per section; re-exported."""

from .candidates import _candidate_tickets, _waiting_earlier  # noqa: F401
from .exports import (  # noqa: F401
    workbook_export_execute,
    workbook_export_progress,
    workbook_export_start,
)
from .fees import FEE_KINDS_FOR_TICKETS, RuleBook  # noqa: F401
from .flow import (  # noqa: F401
    adjustment_add,
    statement_approve,
    statement_confirm,
    statement_dispute,
    statement_issue,
    statement_record_payment,
    statement_resolve_dispute,
    statements_issue_month,
)
from .months import month_bounds, parse_month, previous_month  # noqa: F401
from .reminders import statements_overdue_remind  # noqa: F401
from .run import (  # noqa: F401
    CHUNK_STATIONS,
    log,
    settlement_month_build,
    settlement_run_execute,
    settlement_run_start,
    settlement_runs_recover,
)
