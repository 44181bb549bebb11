from repairnet import roles
from repairnet.roles import COORDINATOR, FINANCE, HOTLINE, HQ, INSPECTOR, TECHNICIAN

roles.register(
    {
        "stations.view": {HQ, HOTLINE, INSPECTOR, FINANCE, COORDINATOR, TECHNICIAN},
        "stations.directory": {HQ, HOTLINE, INSPECTOR, FINANCE},
        "stations.manage": {HQ},
        "stations.applications.review": {HQ},
        "stations.staff.view": {HQ, INSPECTOR, COORDINATOR},
        "stations.staff.manage": {HQ, COORDINATOR},
        "stations.certificates.view": {HQ, INSPECTOR, COORDINATOR, TECHNICIAN},
        "stations.certificates.manage": {HQ},
        "stations.assessments.view": {HQ, COORDINATOR},
        "stations.assessments.decide": {HQ},
        "stations.sanctions.view": {HQ, FINANCE, INSPECTOR, COORDINATOR},
        "stations.sanctions.raise": {HQ},
        "stations.sanctions.appeal": {COORDINATOR},
        "stations.sanctions.decide": {HQ},
        "stations.sanctions.settle": {FINANCE},  # release records from a statement reopened as a draft
    }
)
