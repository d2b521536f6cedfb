"""A feed reader for planning.data.gov.uk's ``entity.json``, which pages through ``links.next``.

The API answers at most a page of entities (``limit``, 100 by default, 500 at most) with the next
page's URL in ``links.next``; a plain JSON read would stop at the first page. Only links on the feed's
own host are followed, and never more than ``MAX_PAGES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from civicapps import RawRecord, Reader, ReaderError, Source, load_json, object_records

MAX_PAGES = 2000


class PlanningDataReader(Reader):
    format = "planning_data_json"
    options: dict[str, str] = {}
    single_document = False

    def read(self, source: Source) -> Iterator[RawRecord]:
        url, position = source.url, 0
        host = urlsplit(source.url).netloc
        for _ in range(MAX_PAGES):
            document = load_json(source.fetch(url), "planning.data.gov.uk answer")
            if not isinstance(document, dict) or not isinstance(document.get("entities"), list):
                raise ReaderError(
                    "The planning.data.gov.uk answer has no list of entities; is the URL an entity.json search?"
                )
            for record in object_records(document["entities"]):
                position += 1
                record.position = position
                yield record
            following = (document.get("links") or {}).get("next")
            if not following or not document["entities"]:
                return
            url = urljoin(url, str(following))
            if urlsplit(url).netloc != host:
                raise ReaderError(f"The next page is on another host ({urlsplit(url).netloc}); not followed.")
        raise ReaderError(f"Stopped after {MAX_PAGES} pages: the API kept offering a next page.")
