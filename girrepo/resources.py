"""Shared base for bulk import/export (django-import-export)."""

from import_export import resources


class AtomicModelResource(resources.ModelResource):
    """Imports are all or nothing, with row-level, field-keyed errors.

    ``full_clean()`` runs on every row, so an import enforces the same rules as
    the forms; one invalid row rolls back the whole file, dry run or not.
    """

    def import_data(self, dataset, *args, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    class Meta:
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
