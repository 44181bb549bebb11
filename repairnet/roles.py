"""Roles and the one permission helper: ``can(user, action, obj=None)``.

Roles are auth groups (created by a migration). A rule maps an action name ("tickets.accept") to the
roles allowed to do it. Station staff (coordinator, technician) are additionally confined to objects
of their own station: ``can`` checks the object's station for them, ``scope_queryset`` filters lists.
Each area app registers its rules with ``register`` from its ``permissions.py`` (imported in
``AppConfig.ready``), so every page and API endpoint asks the same question the same way.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Aggregate, Exists, OuterRef, Q, Subquery, TextField
from django.utils.translation import gettext_lazy as _

HOTLINE = "hotline_agent"
COORDINATOR = "station_coordinator"
TECHNICIAN = "station_technician"
HQ = "hq_after_sales"
INSPECTOR = "inspector"
FINANCE = "finance"
ADMIN = "administrator"
REGIONAL = "regional_manager"

ROLE_LABELS = {
    HOTLINE: _("Hotline agent"),
    COORDINATOR: _("Station coordinator"),
    TECHNICIAN: _("Station technician"),
    HQ: _("HQ after-sales"),
    INSPECTOR: _("Inspector"),
    FINANCE: _("Finance"),
    ADMIN: _("Administrator"),
    REGIONAL: _("Regional manager"),
}
ALL_ROLES = tuple(ROLE_LABELS)
# Each role's working page, where its home (and so its login) lands: URL names, so this lowest layer imports no
# area. A person holding several roles lands on the first role's page in ALL_ROLES order; the administrator and a
# person without a role land on the overview of every area (repairnet.views.home).
ROLE_HOME = {
    HOTLINE: "tickets:hotline",
    COORDINATOR: "tickets:queue",
    TECHNICIAN: "tickets:queue",
    HQ: "tickets:dashboard",
    INSPECTOR: "inspections:list",
    FINANCE: "settlement:index",
    REGIONAL: "tickets:dashboard",
}
STATION_ROLES = frozenset({COORDINATOR, TECHNICIAN})
# network-wide roles: whoever holds one is confined neither to a station nor to a region
NETWORK_WIDE = frozenset({HOTLINE, HQ, INSPECTOR, FINANCE, ADMIN})
HQ_SIDE = NETWORK_WIDE | {REGIONAL}
EVERYONE = frozenset(ALL_ROLES)

# action -> roles allowed. Project-wide rules here; area apps add theirs with register().
RULES: dict[str, frozenset[str]] = {
    "home.view": EVERYONE,
    "audit.view": EVERYONE,  # scope still applies: station staff see only their station's history
    "regions.view": EVERYONE,
    "notifications.view": EVERYONE,  # one's own only (repairnet.selectors.notification_list_for)
    "jobs.view": frozenset({HQ, ADMIN}),
    "outbox.view": frozenset({HQ, ADMIN}),  # every message's delivery status (repairnet.selectors.outbox_list)
    "rules.edit": frozenset({HQ, ADMIN}),  # effective-dated rule versions (repairnet.services.rule_version_set)
    # make a person choose a new password (repairnet.services.user_password_reset_force)
    "users.password_reset.force": frozenset({HQ, ADMIN}),
}


class _SystemActor:
    """The actor of scheduled jobs (Celery beat): never a user, never built from a request.

    It holds no role; ``can`` lets it do only the actions an area declared with ``allow_system``
    (e.g. the daily sweep suspending an understaffed station). Ledgers and audit rows record it as
    no user (``is_authenticated`` is false), as they did for jobs before.
    """

    is_authenticated = False
    is_active = False
    pk = id = station_id = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _SystemActor()
SYSTEM_ACTIONS: set[str] = set()


def allow_system(*actions: str) -> None:
    """Let the job actor ``SYSTEM`` do these (registered) actions."""
    unknown = set(actions) - set(RULES)
    if unknown:
        raise KeyError(f"no permission rule for {sorted(unknown)}")
    SYSTEM_ACTIONS.update(actions)


def register(rules: dict[str, set[str] | frozenset[str]]) -> None:
    for action, roles in rules.items():
        unknown = set(roles) - set(ALL_ROLES)
        if unknown:
            raise ValueError(f"unknown roles for {action}: {unknown}")
        RULES[action] = frozenset(roles) | {ADMIN}


def user_roles(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_repairnet_roles", None)
    if cached is None:
        cached = _remember(user, user.groups.values_list("name", flat=True))
    return cached


def _remember(user, names) -> frozenset[str]:
    user._repairnet_roles = frozenset(names) | ({ADMIN} if user.is_superuser else frozenset())
    return user._repairnet_roles


class _Joined(Aggregate):
    """Texts joined with commas (role names hold none), on PostgreSQL and SQLite alike."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def role_names(user_ref: str) -> Subquery:
    """The roles of the user ``user_ref`` points at, to read in the query that loads the user (the API's token
    look-up): ``roles_remember`` then spares ``user_roles`` its own query."""
    from django.contrib.auth import get_user_model

    memberships = get_user_model().groups.through.objects.filter(user_id=OuterRef(user_ref)).order_by()
    return Subquery(memberships.values("user_id").annotate(names=_Joined("group__name")).values("names")[:1])


def roles_remember(user, names: str | None) -> None:
    """Prime ``user_roles`` with the value ``role_names`` read."""
    _remember(user, names.split(",") if names else ())


def home_url_name(user) -> str | None:
    """The URL name of the user's working page (``ROLE_HOME``), or None for the overview."""
    held = user_roles(user)
    return next((ROLE_HOME[role] for role in ALL_ROLES if role in held and role in ROLE_HOME), None)


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_station_staff(user) -> bool:
    """Station staff are confined to their station (unless they also hold an HQ-side role)."""
    roles = user_roles(user)
    return bool(roles & STATION_ROLES) and not (roles & HQ_SIDE)


def is_regional(user) -> bool:
    """A regional manager is confined to the stations of their regions (unless they also hold a network-wide role)."""
    roles = user_roles(user)
    return REGIONAL in roles and not (roles & NETWORK_WIDE)


def _region_model():
    from django.apps import apps

    return apps.get_model("repairnet", "Region")


def managed_region_ids(user) -> frozenset[int]:
    """The ids of the user's managed regions and all their descendants (one query, cached on the user object)."""
    cached = getattr(user, "_repairnet_region_ids", None)
    if cached is None:
        Region = _region_model()
        cached = frozenset(Region.objects.within(user.managed_regions.all()).values_list("pk", flat=True))
        user._repairnet_region_ids = cached
    return cached


def region_station_ids(user) -> frozenset[int]:
    """The stations located in the user's regions: those with an authorised region inside them (cached)."""
    cached = getattr(user, "_repairnet_region_station_ids", None)
    if cached is None:
        through = _region_model().stations.through
        ids = through.objects.filter(region_id__in=_region_subquery(user)).values_list("station_id", flat=True)
        cached = user._repairnet_region_station_ids = frozenset(ids)
    return cached


def _region_subquery(user):
    """The user's regions and their descendants, as a subquery (no rows read into Python)."""
    return _region_model().objects.within(user.managed_regions.all()).values("pk")


def region_of(obj) -> int | None:
    """The region of an object without a station (a ticket not yet dispatched): its ``scope_region_id``."""
    return getattr(obj, "scope_region_id", None)


def station_id_of(obj) -> int | None:
    """The station an object belongs to: ``scope_station_id`` if defined, else ``station_id``."""
    if obj is None:
        return None
    if hasattr(obj, "scope_station_id"):
        return obj.scope_station_id
    if obj._meta.label == "stations.Station":
        return obj.pk
    return getattr(obj, "station_id", None)


def can(user, action: str, obj=None) -> bool:
    """May ``user`` do ``action`` (on ``obj``)? Role first, then station scope for station staff."""
    if action not in RULES:
        raise KeyError(f"no permission rule for {action!r}")
    if user is SYSTEM:
        return action in SYSTEM_ACTIONS
    roles = user_roles(user)
    if not roles & RULES[action]:
        return False
    if obj is not None and is_station_staff(user):
        return user.station_id is not None and station_id_of(obj) == user.station_id
    if obj is not None and is_regional(user):
        station_id = station_id_of(obj)
        if station_id is not None:
            return station_id in region_station_ids(user)
        region_id = region_of(obj)
        return region_id is not None and region_id in managed_region_ids(user)
    return True


def available_transitions(obj, user) -> frozenset[str]:
    """The verbs ``user`` may do on ``obj`` in its current state — what a page offers as buttons.

    Each model lists ``VERBS = {verb: (rule, {from_state: to_state})}`` beside its ``TRANSITIONS``
    (``from == to`` for a verb that works in a state without moving it, such as setting an appointment).
    A verb is available when the object is in one of its from-states and the user holds the rule in scope.
    The services check the same table through ``transition`` and ``require``, plus their own preconditions.
    """
    current = obj.status
    return frozenset(
        verb for verb, (rule, moves) in type(obj).VERBS.items() if current in moves and can(user, rule, obj)
    )


def require(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


def scope_queryset(user, queryset, station_field: str = "station"):
    """Confine a queryset to the user's station when the user is station staff."""
    if is_station_staff(user):
        if user.station_id is None:
            return queryset.none()
        lookup = "pk" if station_field in ("", "pk") else f"{station_field}_id"
        return queryset.filter(**{lookup: user.station_id})
    if is_regional(user):
        return queryset.filter(_region_q(user, queryset.model, station_field))
    return queryset


def _region_q(user, model, station_field: str) -> Q:
    """Rows of stations located in the user's regions (an ``Exists`` over the stations' authorised regions, so the
    M2M join never duplicates a row); rows without a station (a ticket not yet dispatched) by the model's
    ``SCOPE_REGION_FIELD`` (the customer's district), when it declares one."""
    through = _region_model().stations.through
    station_ref = "pk" if station_field in ("", "pk") else f"{station_field}_id"
    located = Exists(through.objects.filter(station_id=OuterRef(station_ref), region_id__in=_region_subquery(user)))
    q = Q(located)
    region_field = getattr(model, "SCOPE_REGION_FIELD", None)
    if region_field and station_field not in ("", "pk"):
        q |= Q(**{f"{station_field}__isnull": True, f"{region_field}__in": _region_subquery(user)})
    return q


def role_required(action: str):
    """View decorator: anonymous → login page; logged-in without the right role → 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapper.permission_action = action  # lets the permission-matrix test know the intended rule
        return wrapper

    return decorator


def roles_context(request):
    """Template context: the user's roles as a set and a ``can`` lookup (``{% if perms_can.tickets.view %}``)."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else frozenset()
    return {
        "user_roles": roles,
        "role_labels": [ROLE_LABELS[r] for r in ALL_ROLES if r in roles],
        "is_station_staff": bool(user is not None and is_station_staff(user)),
        "perms_can": _ActionLookup(user),
    }


class _ActionLookup:
    """Lets templates ask ``perms_can.tickets.view`` → can(user, "tickets.view")."""

    def __init__(self, user, prefix: str = ""):
        self.user, self.prefix = user, prefix

    def __getitem__(self, key):
        name = f"{self.prefix}.{key}" if self.prefix else key
        if name in RULES:
            return self.user is not None and can(self.user, name)
        return _ActionLookup(self.user, name)

    def __bool__(self):
        return False
