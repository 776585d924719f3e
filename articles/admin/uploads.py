"""The Markdown editor's image upload (markdownx's drag and drop and paste), verified by articles.uploads.

It keeps markdownx's protocol, which its editor script expects: success is `{"image_code": "![](url)"}`,
a refusal is a form-errors object, `{"image": ["message"]}`, with status 400. The stock script then inserts
"Invalid response" and fires a `markdownx.fileUploadError` event carrying that object; the message is there
for the admin to show.
"""

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
        name = default_storage.save(timezone.localdate().strftime(UPLOAD_TO) + image.name, image)
        return JsonResponse({"image_code": f"![]({default_storage.url(name)})"})


def _refusal(message, status=400):
    return JsonResponse({"image": [message]}, status=status)
