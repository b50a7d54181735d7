from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.schools.models import PartySchool

from ..results import SearchInputError
from ..services import search, suggest
from .serializers import SearchQuerySerializer, SearchResultSerializer, SuggestionSerializer

PARAMS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="关键词（中文按词与单字匹配）"),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=["lesson", "course", "teacher"], description="讲师仅工作人员可搜"),
    OpenApiParameter("module", OpenApiTypes.STR, enum=["general", "professional", "thematic"]),
    OpenApiParameter("audience", OpenApiTypes.STR, description="适用对象（党员类别）"),
    OpenApiParameter("teacher_kind", OpenApiTypes.STR, enum=["leader", "expert", "role_model"]),
    OpenApiParameter(
        "school_tier",
        OpenApiTypes.STR,
        enum=PartySchool.Tier.values,
        description="党校层级：" + "；".join(f"{v} {label}" for v, label in PartySchool.Tier.choices),
    ),
    OpenApiParameter("page", OpenApiTypes.INT, description="页码，从 1 开始"),
]


class SearchView(APIView):
    """Search lessons and courses (members) and the teacher pool (staff). Same results as /search/."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=PARAMS,
        responses={200: SearchResultSerializer, 400: OpenApiTypes.OBJECT},
        description="登录用户可用。党员可搜微党课与课程；工作人员另可搜讲师库。",
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        if not params.is_valid():
            return Response({"detail": "搜索参数格式不正确。", "errors": params.errors}, status=400)
        data = params.validated_data
        try:
            result = search(data.get("q", ""), data, data.get("page") or 1, user=request.user)
        except SearchInputError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(SearchResultSerializer(result).data)


class SuggestView(APIView):
    """Title suggestions for the search box."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="已输入的文字")],
        responses={200: SuggestionSerializer(many=True)},
    )
    def get(self, request):
        return Response(
            SuggestionSerializer(suggest(request.query_params.get("q", ""), user=request.user), many=True).data
        )
