"""Static files storage for production: whitenoise's compressed + hashed-names storage, but
without rewriting `sourceMappingURL` comments in JavaScript. Vendored minified libraries
(hls.js) reference source maps we do not ship (government networks: no CDN, and no need for
maps in production); the default storage would abort collectstatic on the missing file."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple((ext, p) for ext, p in CompressedManifestStaticFilesStorage.patterns if ext != "*.js")
