# One image for `clipgen serve`, `clipgen worker` and `clipgen admin`.
#   docker build -t clipgen .
# Build: a release build on the official Swift image (the stdlib and Foundation linked in
# statically). Helpers: the speech and face helpers' Python environment, made by the same script
# as on a laptop. Run: Debian slim with FFmpeg, Python and DejaVu Sans (captions), as an
# unprivileged user.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# GRDB links the system SQLite.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest first: dependencies resolve in a layer of their own, kept while only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
# The manifest names these targets too (tests and a benchmark); they are not built.
COPY Tests ./Tests
COPY bench/QueueBench ./bench/QueueBench
RUN swift build -c release --product clipgen --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/clipgen" /out/clipgen

FROM ${RUNTIME_IMAGE} AS helpers
# Debian's Python 3.11, the one the runtime has: the environment's interpreter is a link to it.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY helpers ./helpers
COPY scripts/setup-helpers.sh ./scripts/
RUN scripts/setup-helpers.sh /opt/clipgen/helpers

FROM ${RUNTIME_IMAGE}
# FFmpeg does the media work (libass burns captions in DejaVu Sans); Python runs the speech and
# face helpers; SQLite and zlib are the binary's own libraries; curl answers the
# health checks of compose; tzdata and CA certificates for URL imports and webhooks over TLS.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg libsqlite3-0 zlib1g ca-certificates curl tzdata python3 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/clipgen --create-home --shell /usr/sbin/nologin clipgen
COPY --from=build /out/clipgen /usr/local/bin/clipgen
COPY --from=helpers /opt/clipgen/helpers /opt/clipgen/helpers
USER 10001:10001
WORKDIR /var/lib/clipgen
# Listen on every interface inside the container; data (SQLite, blobs, scratch) under the home
# directory unless CLIPGEN_DATABASE_URL and CLIPGEN_S3_* point elsewhere.
ENV CLIPGEN_HOST=0.0.0.0 \
    CLIPGEN_PORT=8080 \
    CLIPGEN_DATA_DIR=/var/lib/clipgen/data \
    CLIPGEN_HELPERS_VENV=/opt/clipgen/helpers
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/clipgen"]
CMD ["serve"]
