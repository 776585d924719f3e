"""ALLFORCES's one app, in layers. Each layer imports only from the layers below it; `make lint` checks it
(import-linter, contracts in pyproject.toml), so a model can never reach up into the desk or a view.

6 entry points  views.py urls.py syndication/ (feeds, formats, cache, sitemaps) admin/ (ModelAdmins, forms,
                desk views, the editor's upload endpoint) templatetags/ context_processors.py management/
5 desk          desk/ (roles, permissions, workflow, revisions, diff, preview, dashboard)
                importers/loader.py backups.py
4 reactions     side_effects.py: after-commit calls into search and delivery (and the WebSub hub)
3 services      search.py (over search_indexing.py) | delivery/ (page_cache, cdn, db_routing, redirects, health,
                media, websub) | readership.py (counting views) | ranking.py (アクセスランキング); none imports another
2 models        models/ (content, editorial, tags, series, readership, synonyms): published(), released(),
                upcoming(); redirects remembered
1 pure code     markdown.py slugs.py images.py uploads.py search_text.py search_index.py
                importers/jekyll.py exporters/jekyll.py
                and desk/diff.py: no database (a second contract checks it)

A rule is named once: "may this user …" lives in desk/permissions.py, "readers can see it" is published().
"""
