"""The Markdown editor's endpoints: its live preview, bounded in size, and its image upload (dropped or
pasted), verified by articles.uploads.

It keeps markdownx's protocol: success is `{"image_code": "![](url)"}`, a refusal is a form-errors object,
`{"image": ["message"]}`, with status 400 (403 without the right, 503 when storage fails). The desk's own
script (static/js/desk-editor.js) sends the uploads and shows that message beside the editor; markdownx's
stock script would insert "Invalid response" into the article instead.
"""

import logging

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views import View
from markdownx.views import MarkdownifyView

from articles.desk import permissions
from articles.markdown import body_length_refusal
from articles.uploads import STORAGE_ERRORS, clean_uploaded_image

UPLOAD_TO = "uploads/%Y/%m/"
STORAGE_FAILURE = "画像を保存できませんでした。時間をおいてもう一度お試しください。入力中の本文はそのままです。"
logger = logging.getLogger(__name__)


@method_decorator(staff_member_required, name="dispatch")
class ImageUploadView(View):
    http_method_names = ["post"]

    def post(self, request):
        if not permissions.can_upload_images(request.user):
            return _refusal("画像をアップロードする権限がありません。", status=403)
        upload = request.FILES.get("image")
        if upload is None:
            return _refusal("画像ファイルが送られていません。")
        try:
            image = clean_uploaded_image(upload)
        except ValidationError as error:
            return _refusal(error.messages[0])
        try:
            name = default_storage.save(timezone.localdate().strftime(UPLOAD_TO) + image.name, image)
        except STORAGE_ERRORS:
            logger.exception("Storing an editor image failed")
            return _refusal(STORAGE_FAILURE, status=503)
        return JsonResponse({"image_code": f"![]({default_storage.url(name)})"})


def _refusal(message, status=400):
    return JsonResponse({"image": [message]}, status=status)


class BoundedMarkdownifyView(MarkdownifyView):
    """markdownx's live preview, which renders on every keystroke: a body over BODY_MAX_CHARACTERS gets the
    reason in the preview pane instead of a render."""

    def post(self, request, *args, **kwargs):
        refusal = body_length_refusal(request.POST.get("content", ""))
        if refusal:
            return HttpResponse(format_html('<p class="errornote">{}</p>', refusal))
        return super().post(request, *args, **kwargs)
