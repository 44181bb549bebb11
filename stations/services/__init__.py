"""Stations services, one module per section; re-exported so callers use ``stations.services.<name>``."""

from .applications import (  # noqa: F401
    REFERENCE_ALPHABET,
    _deposit_handoff,
    _lock,
    _new_reference,
    _station_code_for,
    application_approve,
    application_check_documents,
    application_record_visit,
    application_reject,
    application_score,
    application_submit,
    application_withdraw,
    application_withdraw_by_applicant,
)
from .assessment import (  # noqa: F401
    HUNDRED,
    _assessment_inputs,
    _suggest,
    _tier_by_rank,
    assessment_components,
    assessment_decide,
    assessment_run,
    assessment_total,
    models_count,
    quarter_bounds,
)
from .certification import (  # noqa: F401
    _next_certificate_number,
    certificate_issue,
    certificate_renew,
    certificate_revoke,
    exam_passes,
    exam_record,
)
from .revocation import (  # noqa: F401
    REVOCATION_DECISIONS,
    revocation_review_decide,
    revocation_review_open,
)
from .sanctions import (  # noqa: F401
    INSPECTION_SANCTION_RULES,
    sanction_appeal,
    sanction_decide,
    sanction_mark_settled,
    sanction_raise,
    sanction_release_settlement,
    sanctions_confirm_unappealed,
)
from .staff import (  # noqa: F401
    POSITION_ROLE,
    staff_add,
    staff_update,
)
from .state import (  # noqa: F401
    certificates_expiry_warn,
    station_change_tier,
    station_exit,
    station_reinstate,
    station_revoke,
    station_revoke_through_suspension,
    station_staffing_refresh,
    station_suspend,
    station_transition,
    stations_staffing_sweep,
)
