"""Django admin for the knowledge base: a look behind the desk's pages (which keep the history)."""

from django.contrib import admin

from aftersales.knowledge.models import (
    Article,
    ArticleGroup,
    ArticleVersion,
    Document,
    DocumentVersion,
    Macro,
    MacroText,
    TicketSolution,
)


class ArticleInline(admin.TabularInline):
    model = Article
    fields = ("language", "title", "status", "audience")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(ArticleGroup)
class ArticleGroupAdmin(admin.ModelAdmin):
    list_display = ("key", "created_at")
    search_fields = ("key",)
    inlines = [ArticleInline]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # archive instead: history, solutions and the search index stay consistent


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ("number", "author", "created_at", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: edits belong on the desk's article form, which writes a version each time."""

    list_display = ("title", "language", "status", "audience", "category", "review_by", "updated_at")
    list_filter = ("status", "audience", "language", "category")
    search_fields = ("title", "group__key")
    inlines = [ArticleVersionInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    fields = ("number", "filename", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "article", "updated_at")
    search_fields = ("title",)
    inlines = [DocumentVersionInline]


class MacroTextInline(admin.StackedInline):
    model = MacroText
    extra = 0


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("key", "shared", "owner", "set_status", "category", "updated_at")
    list_filter = ("shared", "set_status")
    search_fields = ("key", "texts__name")
    inlines = [MacroTextInline]


@admin.register(TicketSolution)
class TicketSolutionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "article", "by", "at")
    raw_id_fields = ("ticket", "article")
