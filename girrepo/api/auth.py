"""API tokens for systems: POST a username and password, get the user's token.

Browsers use their session; other systems send ``Authorization: Token <key>``.
Staff can also create and revoke tokens in the admin (``rest_framework.authtoken``).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .viewsets import APIViewMixin


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as the header: Authorization: Token <token>")


class TokenView(APIViewMixin, APIView):
    """Exchange a username and password for the user's API token (created on first use)."""

    authentication_classes = ()  # credentials are in the body; no session, so no CSRF
    permission_classes = (permissions.AllowAny,)
    parser_classes = (JSONParser, FormParser)

    @extend_schema(request=AuthTokenSerializer, responses=TokenSerializer, auth=[])
    def post(self, request):
        # Imported here: the token model needs rest_framework.authtoken installed.
        from rest_framework.authtoken.models import Token

        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
