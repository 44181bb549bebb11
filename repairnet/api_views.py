"""Project-level API endpoints: token login (throttled) and logout, the current user, regions."""

import threading
from typing import ClassVar

from django.contrib.auth import authenticate, logout
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from knox.models import AuthToken
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import roles, selectors, services, throttle, tokens
from .api import ActionPermission, message_response, service_action
from .filters import OutboxFilter
from .models import Notification, OutboxMessage, Region


class AuthTokenSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        # Through the authentication backends, so django-axes counts a failure and refuses a locked username.
        user = authenticate(request=self.context.get("request"), username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class TokenView(APIView):
    """POST username + password → a token and when it expires (API_TOKEN_DAYS). Failures are throttled like the
    login page. The token ends sooner on logout, a password change or deactivation (repairnet.tokens)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = AuthTokenSerializer

    @extend_schema(request=AuthTokenSerializer, responses=TokenResponseSerializer)
    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        if throttle.address_is_spraying(request):
            return throttle.lockout_response(request)
        serializer = AuthTokenSerializer(data=data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                return throttle.lockout_response(request)
            serializer.is_valid(raise_exception=True)
        instance, token = tokens.token_issue(user=serializer.validated_data["user"])
        return Response(TokenResponseSerializer({"token": token, "expiry": instance.expiry}).data)


class LogoutView(APIView):
    """POST: the token this request carries stops working (a browser session calling it is logged out)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=inline_serializer("LogoutResponse", {"detail": serializers.CharField()}))
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            tokens.token_revoke(token=request.auth)
        else:
            logout(request._request)
        return message_response(str(_("Logged out.")))


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")
    roles = serializers.SerializerMethodField()
    station = serializers.IntegerField(source="station_id", allow_null=True)

    def get_roles(self, user) -> list[str]:
        return sorted(roles.user_roles(user))


class MeView(APIView):
    permission_classes = [ActionPermission]
    permission_actions = {"*": "home.view"}

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class RegionSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "full_name"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.select_related("parent__parent")
    serializer_class = RegionSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"*": "regions.view"}
    filterset_fields = ["level", "parent", "code"]


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "message", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, notification) -> bool:
        return notification.read_at is None


class OwnNotificationPermission(ActionPermission):
    """A notification is its recipient's alone: anyone else is refused, whatever the role or station."""

    def has_object_permission(self, request, view, obj):
        return super().has_permission(request, view) and obj.recipient_id == request.user.pk


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notifications, newest first (``?unread=1`` for the unread ones); mark one or all read.
    ``GET unread-count/`` is the badge's poll."""

    serializer_class = NotificationSerializer
    permission_classes = [OwnNotificationPermission]
    permission_actions = {"*": "notifications.view"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        if self.action in ("retrieve", "read"):
            # every row, so the object permission refuses someone else's (403) instead of hiding it
            return Notification.objects.all()
        unread = self.request.query_params.get("unread") in ("1", "true")
        return selectors.notification_list_for(user=self.request.user, unread_only=unread)

    @service_action(None, NotificationSerializer)
    def read(self, notification, actor, data):
        return services.notification_mark_read(notification_id=notification.pk, actor=actor)

    @extend_schema(
        request=None, responses=inline_serializer("NotificationsReadAll", {"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})

    @extend_schema(responses=inline_serializer("NotificationsUnread", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": selectors.notification_unread_count(user=request.user)})


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per process, language and version: generating it walks every endpoint
    and took seconds, which the API docs page spent showing a bare "LOADING". The schema depends only on the code
    (``SERVE_PUBLIC``: the same for every user), so a deploy, which restarts the processes, renews it."""

    _generated: ClassVar[dict[tuple, dict]] = {}
    _lock = threading.Lock()

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (get_language(), version, request.META.get("SCRIPT_NAME", ""), self.serve_public)
        schema = self._generated.get(key)
        if schema is None:
            with self._lock:
                schema = self._generated.get(key)
                if schema is None:
                    generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
                    schema = self._generated[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=schema,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )


class OutboxMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxMessage
        fields = [
            "id", "event", "channel", "key", "recipient", "address", "status", "attempts", "next_attempt_at",
            "last_error", "subject", "body", "url", "created_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields


class OutboxMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """HQ: the outbox's messages and their delivery status, filtered by status, channel, event, key, dates."""

    serializer_class = OutboxMessageSerializer
    permission_classes = [ActionPermission]
    permission_actions = {"*": "outbox.view"}
    filterset_class = OutboxFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutboxMessage.objects.none()
        return selectors.outbox_list(user=self.request.user)
