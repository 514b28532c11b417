"""Form pieces shared by the registers."""

from django import forms

from .images import sanitize_image


class SanitizedImageFormMixin:
    """For ModelForms of a ``PhotoModel`` (or any model with ``image``/``thumbnail``):
    the uploaded file is checked by content and replaced by a clean re-encoding."""

    image_field = "image"
    thumbnail_field = "thumbnail"

    def clean(self):
        data = super().clean()
        upload = data.get(self.image_field)
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                clean = sanitize_image(upload)
            except forms.ValidationError as exc:
                self.add_error(self.image_field, exc)
                return data
            data[self.image_field] = clean.image
            setattr(self.instance, self.thumbnail_field, clean.thumbnail)
        return data
