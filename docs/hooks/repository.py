"""MkDocs hook: the site shows the repository's own files, links as on GitHub.

- The home page is README.md itself (kept once: it is also the package page).
- The course notebooks, notebooks/*.ipynb, become pages under `notebooks/`
  (mkdocs-jupyter renders them with their committed outputs).
- Links are written in every page the way they work when the repository is
  browsed (`docs/data.md` from the README, `../notebooks/02_vae.ipynb` or
  `../bench/results/quality.json` from a page in docs/). This hook maps them
  onto the site: a link to a page or a notebook becomes the site's link; a
  link to another file of the repository becomes a link to it on
  `repo_url` when mkdocs.yml sets one, else its text. A link to a path that
  does not exist is left alone, so that the strict build fails on it.
"""

import logging
import posixpath
import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = "notebooks"
HOME = "README.md"
log = logging.getLogger("mkdocs.hooks.repository")

# A code span, or a link (its text may hold code spans): whichever starts
# first, so that a link inside a code span is left alone.
LINK_OR_CODE = re.compile(
    r"(?P<code>(?P<ticks>`+)(?:.|\n)*?(?P=ticks))"
    r"|(?P<bang>!?)\[(?P<text>[^\]]*)\]"
    r"\((?P<target>[^)\s]+)(?P<title>(?:\s+\"[^\"]*\")?)\)"
)
FENCE = re.compile(r"^\s*(```|~~~)")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


@event_priority(100)  # before mkdocs-jupyter turns notebooks into pages
def on_files(files, config):
    if files.get_file_from_path("index.md") is not None:
        log.warning("docs/index.md exists; the home page is README.md")
    files.append(File.generated(config, "index.md", abs_src_path=str(ROOT / HOME)))
    for notebook in sorted((ROOT / NOTEBOOKS).glob("*.ipynb")):
        # A plain File rooted at the repository: mkdocs-jupyter wraps it and
        # reads it through its src_dir.
        src_uri = f"{NOTEBOOKS}/{notebook.name}"
        files.append(
            File(src_uri, str(ROOT), config.site_dir, config.use_directory_urls)
        )
    return files


def repository_path(src_uri, docs_dir):
    """Where a page's source lives in the repository (posix, from the root)."""
    if src_uri == "index.md":
        return HOME
    if src_uri.startswith(f"{NOTEBOOKS}/"):
        return src_uri
    return posixpath.join(Path(docs_dir).relative_to(ROOT).as_posix(), src_uri)


def site_uri(path, docs_prefix):
    """The site's src_uri of a repository path, or None when not a page."""
    if path == HOME:
        return "index.md"
    if path.startswith(docs_prefix):
        return path[len(docs_prefix) :]
    if path.startswith(f"{NOTEBOOKS}/") and path.endswith(".ipynb"):
        return path
    return None


def rewrite_link(match, page_dir, page_repo_dir, docs_prefix, repo_url):
    bang, text, target, title = match.group("bang", "text", "target", "title")
    if SCHEME.match(target) or target.startswith(("#", "/")):
        return match.group(0)
    path, _, anchor = target.partition("#")
    resolved = posixpath.normpath(posixpath.join(page_repo_dir, path))
    if resolved.startswith(".."):  # leaves the repository: mkdocs reports it
        return match.group(0)
    uri = site_uri(resolved, docs_prefix)
    if uri is not None:
        new = posixpath.relpath(uri, page_dir or ".")
        new += f"#{anchor}" if anchor else ""
        return f"{bang}[{text}]({new}{title})"
    if not (ROOT / resolved).exists():
        return match.group(0)  # broken: mkdocs reports it
    if repo_url:
        kind = "tree" if (ROOT / resolved).is_dir() else "blob"
        url = f"{repo_url.rstrip('/')}/{kind}/HEAD/{resolved}"
        return f"{bang}[{text}]({url}{title})"
    return text


def rewrite_links(markdown, page_dir, page_repo_dir, docs_prefix, repo_url):
    """Rewrites the links of `markdown` outside code blocks and code spans."""

    def prose(text):
        def replace(match):
            if match.group("code"):
                return match.group(0)
            return rewrite_link(match, page_dir, page_repo_dir, docs_prefix, repo_url)

        return LINK_OR_CODE.sub(replace, text)

    out, block, fence = [], [], None
    for line in markdown.splitlines(keepends=True):
        opener = FENCE.match(line)
        if fence is None and opener:
            out.append(prose("".join(block)))
            block, fence = [line], opener.group(1)
        elif fence is not None:
            block.append(line)
            if line.strip().startswith(fence) and len(block) > 1:
                out.append("".join(block))
                block, fence = [], None
        else:
            block.append(line)
    out.append(prose("".join(block)) if fence is None else "".join(block))
    return "".join(out)


def on_page_markdown(markdown, page, config, files):
    src_uri = page.file.src_uri
    if src_uri.endswith(".ipynb"):
        return markdown
    docs_prefix = Path(config.docs_dir).relative_to(ROOT).as_posix() + "/"
    page_repo = repository_path(src_uri, config.docs_dir)
    return rewrite_links(
        markdown,
        posixpath.dirname(src_uri),
        posixpath.dirname(page_repo),
        docs_prefix,
        config.repo_url,
    )
