from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from lms import params
from lms.accounts.scope import scope_for
from lms.members.selectors import member_history, members_visible_to

from .serializers import HistoryEntrySerializer, MemberSerializer, MeSerializer


class MemberViewSet(viewsets.ReadOnlyModelViewSet):
    """Members within the caller's scope (own record for a member)."""

    serializer_class = MemberSerializer

    @extend_schema(summary="党员的类别与组织关系变动记录", responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Category periods and branch moves, oldest first (what the quota rules read)."""
        return Response(HistoryEntrySerializer(member_history(self.get_object()), many=True).data)

    def get_queryset(self):
        qs = members_visible_to(self.request.user).order_by("member_no")
        branch = params.object_id(self.request.query_params.get("branch"), name="branch", label="支部 id")
        if branch:
            qs = qs.filter(branch_id=branch)
        return qs


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """The caller's account and roles."""
    scope = scope_for(request.user)
    member = getattr(request.user, "member", None) if scope.member_id else None
    return Response(
        MeSerializer(
            {
                "username": request.user.username,
                "display_name": str(request.user),
                "roles": list(scope.roles),
                "member": member,
                "teacher_id": scope.teacher_id,
            }
        ).data
    )
