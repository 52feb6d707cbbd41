"""Certificates (§16 c): list, figures, a draft, its files and their progress, certifying,
the analyst's review, the PDF. The upload and certificate pages' services, as JSON."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from abl.access import get_certificate_for_user, get_facility_for_user, may_report
from abl.api import serializers as s
from abl.api.idempotency import idempotent
from abl.api.views.common import IDEMPOTENCY_KEY, api_user, problems
from abl.models import Certificate, CollateralFile
from abl.services import certificates as certificate_service
from abl.services import collateral
from abl.services.documents import document_state, render_certificate_document


class CertificateList(generics.ListAPIView[Certificate]):
    """The facility's certificates, newest first; the borrower opens a draft."""

    serializer_class = s.CertificateSerializer

    def get_queryset(self) -> QuerySet[Certificate]:
        facility = get_facility_for_user(api_user(self.request), self.kwargs["pk"])
        return facility.certificates.select_related("current")

    @extend_schema(responses={200: s.CertificateSerializer(many=True), **problems(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.DraftInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.CertificateSerializer, **problems(400, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        """The draft for an as-of date, opened the first time (as the upload page does)."""
        user = api_user(request)
        facility = get_facility_for_user(user, pk)
        if not may_report(user, facility):
            raise Http404("Only the borrower reports collateral")  # as the upload page
        data = s.DraftInput(data=request.data)
        data.is_valid(raise_exception=True)

        def act() -> Response:
            draft = collateral.open_draft(
                facility=facility, as_of=data.validated_data["as_of"], actor=user
            )
            return Response(s.CertificateSerializer(draft).data, status=status.HTTP_201_CREATED)

        return idempotent(request, act)


@extend_schema(responses={200: s.CertificateSerializer, **problems(404)})
@api_view(["GET"])
def certificate_detail(request: Request, pk: int) -> Response:
    certificate = get_certificate_for_user(api_user(request), pk)
    return Response(s.CertificateSerializer(certificate).data)


class CertificateFiles(generics.ListAPIView[CollateralFile]):
    """The certificate's files and each one's progress; the borrower uploads one (multipart)."""

    serializer_class = s.CollateralFileSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> QuerySet[CollateralFile]:
        certificate = get_certificate_for_user(api_user(self.request), self.kwargs["pk"])
        return certificate.files.all()

    @extend_schema(responses={200: s.CollateralFileSerializer(many=True), **problems(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": s.UploadInput},
        responses={202: s.CertificateSerializer, **problems(400, 404, 413)},
    )
    def post(self, request: Request, pk: int) -> Response:
        """A collateral file for the draft, through the upload page's service: the same size
        and row limits, processed by the worker (poll the list for its progress)."""
        user = api_user(request)
        certificate = get_certificate_for_user(user, pk)
        data = s.UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        reported = collateral.report_collateral(
            facility=certificate.facility,
            actor=user,
            as_of=certificate.as_of,
            files={kind: data.validated_data["file"]},
            replace=data.validated_data["replace"],
            draft=certificate,
        )
        return Response(s.CertificateSerializer(reported).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    request=s.CertifyInput, responses={200: s.CertificateSerializer, **problems(400, 404)}
)
@api_view(["POST"])
def certify(request: Request, pk: int) -> Response:
    """An officer of the borrower certifies and submits the draft."""
    user = api_user(request)
    certificate = get_certificate_for_user(user, pk)
    data = s.CertifyInput(data=request.data)
    data.is_valid(raise_exception=True)
    submitted = certificate_service.submit_certificate(
        certificate=certificate,
        actor=user,
        name=data.validated_data["name"],
        title=data.validated_data["title"],
        explanation=data.validated_data.get("explanation", ""),
    )
    return Response(s.CertificateSerializer(submitted).data)


@extend_schema(
    request=s.ReviewInput, responses={200: s.CertificateSerializer, **problems(400, 404)}
)
@api_view(["POST"])
def review(request: Request, pk: int) -> Response:
    """An analyst approves the certificate (the facility's borrowing base) or returns it."""
    user = api_user(request)
    certificate = get_certificate_for_user(user, pk)
    data = s.ReviewInput(data=request.data)
    data.is_valid(raise_exception=True)
    comment = data.validated_data.get("comment", "")
    if data.validated_data["decision"] == "approve":
        done = certificate_service.approve_certificate(
            certificate=certificate, actor=user, comment=comment
        )
    else:
        done = certificate_service.return_certificate(
            certificate=certificate, actor=user, comment=comment
        )
    return Response(s.CertificateSerializer(done).data)


@extend_schema(
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
        **problems(404),
    }
)
@api_view(["GET"])
def certificate_pdf(request: Request, pk: int) -> HttpResponse:
    """The certificate's PDF in its present state, as the page's download (404 for a draft)."""
    certificate = get_certificate_for_user(api_user(request), pk)
    if document_state(certificate) is None:
        raise Http404("A certificate has a PDF once it is submitted")
    document = render_certificate_document(certificate_id=certificate.pk)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.pk}-{document.state}.pdf"'
    )
    return response
