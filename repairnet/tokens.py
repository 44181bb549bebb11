"""API tokens (django-rest-knox): issued by POST /api/v1/auth/token/, sent as ``Authorization: Token …``.

A token is stored only as a hash and works API_TOKEN_DAYS days. It ends sooner on logout (``token_revoke``),
and every token of a user ends when the user's password changes or the user is deactivated — whatever does it
(the password pages, a reset, the admin, a service): ``User.save`` notices and calls ``user_tokens_revoke``.
"""

import binascii
import datetime
from hmac import compare_digest

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions

from repairnet import roles


def token_issue(*, user) -> tuple[AuthToken, str]:
    """A new token for ``user``: (the stored row, the token text the client keeps; only its hash is stored)."""
    return AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=settings.API_TOKEN_DAYS))


def token_revoke(*, token: AuthToken) -> None:
    """End one token (logout)."""
    AuthToken.objects.filter(pk=token.pk).delete()


def user_tokens_revoke(*, user) -> int:
    """End every token of ``user``; how many there were."""
    deleted, _by_model = AuthToken.objects.filter(user_id=user.pk).delete()
    return deleted


def tokens_expired_purge() -> int:
    """Housekeeping: forget tokens past their expiry (they are refused already)."""
    deleted, _by_model = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's authentication with one query per request (token, user and roles together), and answers that say why:
    an expired token is told so (log in again), an unknown or revoked one is invalid, an inactive user refused.
    Expired rows are left for ``tokens_expired_purge``, so a retry gets the same answer."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except UnicodeEncodeError:  # a header no HTTP client sends (only a test client can): not a token
            raise self._invalid()

    def _invalid(self):
        return exceptions.AuthenticationFailed(_("Invalid token."), code="token_invalid")

    def authenticate_credentials(self, token: bytes):
        invalid = self._invalid()
        try:
            text = token.decode("ascii")
            digest = hash_token(text)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise invalid
        candidates = (
            AuthToken.objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
            .annotate(role_names=roles.role_names("user_id"))
        )
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                raise exceptions.AuthenticationFailed(
                    _("Your API token has expired. Log in again to get a new one."), code="token_expired"
                )
            if not auth_token.user.is_active:
                raise exceptions.AuthenticationFailed(_("This account is deactivated."), code="user_inactive")
            roles.roles_remember(auth_token.user, auth_token.role_names)
            return auth_token.user, auth_token
        raise invalid


class TokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of ``TokenAuthentication`` (the name DRF's token scheme had)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token from POST /api/v1/auth/token/, sent as "Token <token>"; it expires (see "expiry").',
        }
