from repairnet import roles

roles.register({})
