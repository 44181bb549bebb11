from repairnet import roles
from repairnet.roles import COORDINATOR, FINANCE, HOTLINE, HQ, INSPECTOR, REGIONAL, TECHNICIAN

roles.register(
    {
        "stations.view": {HQ, HOTLINE, INSPECTOR, FINANCE, COORDINATOR, TECHNICIAN, REGIONAL},
        "stations.directory": {HQ, HOTLINE, INSPECTOR, FINANCE, REGIONAL},
        "stations.manage": {HQ},
        "stations.applications.review": {HQ},
        "stations.staff.view": {HQ, INSPECTOR, COORDINATOR, REGIONAL},
        "stations.staff.manage": {HQ, COORDINATOR},
        "stations.certificates.view": {HQ, INSPECTOR, COORDINATOR, TECHNICIAN, REGIONAL},
        "stations.certificates.manage": {HQ},
        "stations.assessments.view": {HQ, COORDINATOR, REGIONAL},
        "stations.assessments.run": {HQ},  # score a quarter (repeatable; decisions stay with "decide")
        "stations.assessments.decide": {HQ},
        "stations.sanctions.view": {HQ, FINANCE, INSPECTOR, COORDINATOR, REGIONAL},
        "stations.sanctions.raise": {HQ},
        # the rules an inspection's outcome raises (grade A/D, rectification overdue), by the inspector
        "stations.sanctions.raise_on_inspection": {HQ, INSPECTOR},
        "stations.sanctions.appeal": {COORDINATOR},
        "stations.sanctions.decide": {HQ},
        "stations.sanctions.confirm_unappealed": {HQ},  # approve what was not appealed by its deadline
        "stations.sanctions.settle": {FINANCE},  # release records from a statement reopened as a draft
        # revocation reviews (SPEC 1.5): opened by approving a record that asks for one, decided by HQ;
        # a coordinator sees its own station's
        "stations.revocation_reviews.view": {HQ, COORDINATOR},
        "stations.revocation_reviews.open": {HQ},
        "stations.revocation_reviews.decide": {HQ},
    }
)
# jobs (roles.SYSTEM): the staffing sweep suspends; late daily reports and overdue rectifications raise
# sanctions; unappealed sanctions are approved (opening the revocation reviews they ask for); the demo
# scores its quarters
roles.allow_system(
    "stations.manage",
    "stations.sanctions.raise",
    "stations.sanctions.raise_on_inspection",
    "stations.sanctions.confirm_unappealed",
    "stations.revocation_reviews.open",
    "stations.assessments.run",
)
