"""Certificates (§16 c): list, figures, a draft, its files and their progress, certifying,
the analyst's review, the PDF, the XLSX export. The upload and certificate pages' services,
as JSON."""

from typing import Any, cast

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
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
from abl.api.problems import Problem
from abl.api.views.common import IDEMPOTENCY_KEY, api_user, problems
from abl.api.views.drilldown import COMPUTATION
from abl.models import Certificate, CertificateExport, CollateralFile, Computation
from abl.services import certificates as certificate_service
from abl.services import collateral
from abl.services.documents import document_state, render_certificate_document
from abl.services.exports import request_certificate_export
from abl.views.drilldown import shown_computation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _shown(request: Request, pk: int) -> tuple[Certificate, Computation]:
    """The certificate and the computation the page's export takes (`?computation=`, else the
    current one; 404 before anything is computed)."""
    certificate = get_certificate_for_user(api_user(request), pk)
    return certificate, shown_computation(cast(HttpRequest, request), certificate)


@extend_schema(
    methods=["GET"],
    parameters=[COMPUTATION],
    responses={200: s.CertificateExportSerializer, **problems(404)},
)
@extend_schema(
    methods=["POST"],
    request=None,
    parameters=[COMPUTATION],
    responses={202: s.CertificateExportSerializer, **problems(404)},
)
@api_view(["GET", "POST"])
def certificate_export(request: Request, pk: int) -> Response:
    """The computation's spreadsheet: POST asks a worker to write it, as the page's button
    (asking again changes nothing, or starts afresh after a failure or a lost file); GET its
    progress, and a `download` URL once it is stored (404 if never asked for)."""
    user = api_user(request)
    certificate, computation = _shown(request, pk)
    if request.method == "POST":
        export = request_certificate_export(
            certificate=certificate, computation=computation, actor=user
        )
        data = s.CertificateExportSerializer(export, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)
    found = CertificateExport.objects.filter(computation=computation).first()
    if found is None:
        raise Http404("No spreadsheet asked for: POST to ask for it")
    return Response(s.CertificateExportSerializer(found, context={"request": request}).data)


@extend_schema(
    parameters=[COMPUTATION],
    responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **problems(404, 409)},
)
@api_view(["GET"])
def certificate_xlsx(request: Request, pk: int) -> HttpResponseBase:
    """The stored spreadsheet, as the page's download; 409 until it is written (404 if never
    asked for)."""
    certificate, computation = _shown(request, pk)
    export = CertificateExport.objects.filter(computation=computation).first()
    if export is None:
        raise Http404("No spreadsheet asked for: POST to export/ to ask for it")
    if export.status == CertificateExport.Status.READY:
        detail = "The spreadsheet is lost from storage: POST to export/ to write it again."
    elif export.status == CertificateExport.Status.FAILED:
        detail = export.problem or "The spreadsheet could not be written. Ask again."
    else:
        detail = (
            f"The spreadsheet is not ready yet ({export.rows_written:,} of "
            f"{export.rows_total:,} rows written): follow export/ until it has a download."
        )
    not_ready = Problem(status.HTTP_409_CONFLICT, detail)
    if not export.available:
        raise not_ready
    try:
        stored = export.stored.open("rb")
    except FileNotFoundError:  # gone since it was looked for: asking again writes it again
        raise Problem(
            status.HTTP_409_CONFLICT,
            "The spreadsheet is lost from storage: POST to export/ to write it again.",
        ) from None
    return FileResponse(
        stored,
        as_attachment=True,
        filename=f"certificate-{certificate.pk}-computation-{computation.pk}.xlsx",
        content_type=XLSX,
    )
