# One image for `clipgen serve`, `clipgen worker` and `clipgen admin`.
#   docker build -t clipgen .
# Build: a release build on the official Swift image (the stdlib and Foundation linked in
# statically). Run: Debian slim with FFmpeg, as an unprivileged user.
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

FROM ${RUNTIME_IMAGE}
# FFmpeg does the media work; SQLite and zlib are the binary's own libraries; curl answers the
# health checks of compose; tzdata and CA certificates for URL imports and webhooks over TLS.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg libsqlite3-0 zlib1g ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/clipgen --create-home --shell /usr/sbin/nologin clipgen
COPY --from=build /out/clipgen /usr/local/bin/clipgen
USER 10001:10001
WORKDIR /var/lib/clipgen
# Listen on every interface inside the container; data (SQLite, blobs, scratch) under the home
# directory unless CLIPGEN_DATABASE_URL and CLIPGEN_S3_* point elsewhere.
ENV CLIPGEN_HOST=0.0.0.0 \
    CLIPGEN_PORT=8080 \
    CLIPGEN_DATA_DIR=/var/lib/clipgen/data
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/clipgen"]
CMD ["serve"]
