from repairnet import roles
from repairnet.roles import COORDINATOR, FINANCE, HOTLINE, HQ, INSPECTOR, TECHNICIAN

roles.register(
    {
        "stations.view": {HQ, HOTLINE, INSPECTOR, FINANCE, COORDINATOR, TECHNICIAN},
        "stations.manage": {HQ},
    }
)
