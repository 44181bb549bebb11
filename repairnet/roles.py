"""Roles and the one permission helper: ``can(user, action, obj=None)``.

Roles are auth groups (created by a migration). A rule maps an action name ("tickets.accept") to the
roles allowed to do it. Station staff (coordinator, technician) are additionally confined to objects
of their own station: ``can`` checks the object's station for them, ``scope_queryset`` filters lists.
Each area app registers its rules with ``register`` from its ``permissions.py`` (imported in
``AppConfig.ready``), so every page and API endpoint asks the same question the same way.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Aggregate, OuterRef, Subquery, TextField
from django.utils.translation import gettext_lazy as _

HOTLINE = "hotline_agent"
COORDINATOR = "station_coordinator"
TECHNICIAN = "station_technician"
HQ = "hq_after_sales"
INSPECTOR = "inspector"
FINANCE = "finance"
ADMIN = "administrator"

ROLE_LABELS = {
    HOTLINE: _("Hotline agent"),
    COORDINATOR: _("Station coordinator"),
    TECHNICIAN: _("Station technician"),
    HQ: _("HQ after-sales"),
    INSPECTOR: _("Inspector"),
    FINANCE: _("Finance"),
    ADMIN: _("Administrator"),
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
}
STATION_ROLES = frozenset({COORDINATOR, TECHNICIAN})
HQ_SIDE = frozenset({HOTLINE, HQ, INSPECTOR, FINANCE, ADMIN})
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
    return queryset


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
