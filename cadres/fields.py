"""Model fields that keep personal values encrypted in the database (see ``cadres.personal_data``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldError
from django.db import models

from cadres import personal_data


class EncryptedCharField(models.TextField):
    """A short text stored encrypted; in Python it is the plain text.

    Only ``isnull`` can be looked up: a randomised ciphertext matches nothing, so any other lookup
    is refused loudly instead of silently finding nothing (search through a keyed digest field).
    An empty value is stored empty, so "no phone number" stays visible to queries.
    """

    def __init__(self, *args, plain_max_length: int = 100, **kwargs):
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return personal_data.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return personal_data.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.model.__name__}.{self.name} is encrypted; look it up through its digest field")
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.CharField, "max_length": self.plain_max_length,
                                    "widget": forms.TextInput, **kwargs})


class KeyedDigestField(models.CharField):
    """The keyed hash of another field's plain value, set whenever the row is saved or bulk-created."""

    def __init__(self, *args, source: str = "", digest: str = "id_number_digest", **kwargs):
        self.source = source
        self.digest = digest
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["digest"] = self.digest
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def value_for(self, instance) -> str:
        plain = getattr(instance, self.source)
        return getattr(personal_data, self.digest)(plain) if plain else ""

    def pre_save(self, model_instance, add):
        value = self.value_for(model_instance)
        setattr(model_instance, self.attname, value)
        return value
