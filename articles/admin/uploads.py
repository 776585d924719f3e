"""The Markdown editor's image upload (markdownx's drag and drop and paste), verified by articles.uploads.

It keeps markdownx's protocol: success is `{"image_code": "![](url)"}`, a refusal is a form-errors object,
`{"image": ["message"]}`, with status 400 (403 without the right, 503 when storage fails). The desk's own
script (static/js/desk-editor.js) sends the uploads and shows that message beside the editor; markdownx's
stock script would insert "Invalid response" into the article instead.
"""

import logging

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View

from articles.desk import permissions
from articles.uploads import clean_uploaded_image

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
        except OSError:
            logger.exception("Storing an editor image failed")
            return _refusal(STORAGE_FAILURE, status=503)
        return JsonResponse({"image_code": f"![]({default_storage.url(name)})"})


def _refusal(message, status=400):
    return JsonResponse({"image": [message]}, status=status)
