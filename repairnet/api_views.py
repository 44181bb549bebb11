"""Project-level API endpoints: token login (throttled), the current user, regions."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import roles, throttle
from .api import ActionPermission
from .models import Region


class TokenView(APIView):
    """POST username + password → token. Failures are throttled like the login page."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = AuthTokenSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        if throttle.address_is_spraying(request):
            return throttle.lockout_response(request)
        serializer = AuthTokenSerializer(data=data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                return throttle.lockout_response(request)
            serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


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
