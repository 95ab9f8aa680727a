#!/usr/bin/env bash
# Runs the TorchSharp comparison benchmarks (benchmarks/ExprAD.Benchmarks.Torch) on a Debian 12 machine.
#
# Why this exists: TorchSharp-cpu 0.107.0's libLibTorchSharp.so needs the C++ runtime of GCC 13 or later
# (symbol version GLIBCXX_3.4.32); Debian 12 (bookworm) has GLIBCXX_3.4.30, so libtorch does not load and every
# torch row fails with "This application or script uses TorchSharp but doesn't contain a reference to
# libtorch-cpu-linux-x64". Debian 13 (trixie)'s libstdc++6 cannot simply be installed either: it needs
# glibc >= 2.38 and bookworm has 2.36.
#
# What it does, without installing anything system-wide:
#   1. Downloads trixie's libc6, libstdc++6, libgcc-s1, libgomp1 and patchelf .deb files with apt-get (a private
#      apt configuration under the cache folder, signatures checked against the system's Debian keyring, the
#      Debian mirror of the system's own apt sources) and unpacks them with dpkg-deb -x into the cache folder.
#   2. Makes a private "dotnet root" there: symlinks to the installed .NET's host/, shared/, sdk/, ... and a copy
#      of the `dotnet` executable whose ELF interpreter is trixie's ld-linux-x86-64.so.2 and whose DT_RPATH is
#      trixie's library folder (set with trixie's patchelf, run through trixie's loader). Every process started
#      from that executable therefore runs on trixie's glibc and libstdc++, libtorch included; the environment
#      is not changed (no LD_LIBRARY_PATH), so programs it starts with the system's loader (lscpu, bash) still
#      use the system's libraries.
#   3. Builds the benchmark project with the normal dotnet, then runs it with the patched one from the
#      repository root (results in ./BenchmarkDotNet.Artifacts) and passes `--cli <patched dotnet>`, so that
#      BenchmarkDotNet's per-benchmark child processes (and the child project's build) run under trixie's
#      loader too. `--inProcess` also works (then nothing is spawned).
#
# Usage:   tools/run-torch-benchmarks.sh [BenchmarkDotNet arguments...]
#   e.g.   tools/run-torch-benchmarks.sh --filter '*Rosenbrock*' --job dry
#          tools/run-torch-benchmarks.sh --filter '*' --job short
# Environment:
#   TRIXIE_ROOT     cache folder (default: $HOME/.cache/exprad-trixie); idempotent, reused between runs
#   TRIXIE_REFRESH  =1: download the trixie packages again (e.g. after a trixie point release)
#   DEBIAN_MIRROR   Debian archive URL; default: the one the system's apt sources use for Debian
#   TRIXIE_FORCE    =1: use the trixie runtime even if the system's libstdc++ already has GLIBCXX_3.4.32
#   DOTNET_ROOT     the .NET installation to wrap (default: the folder of the `dotnet` on PATH)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
project=$repo/benchmarks/ExprAD.Benchmarks.Torch
root=${TRIXIE_ROOT:-$HOME/.cache/exprad-trixie}
packages=(libc6 libstdc++6 libgcc-s1 libgomp1 patchelf)
needed_symbol=GLIBCXX_3.4.32

log() { echo "run-torch-benchmarks: $*" >&2; }

dotnet_root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}
[[ -x $dotnet_root/dotnet ]] || { log "no dotnet executable in $dotnet_root (set DOTNET_ROOT)"; exit 1; }

log "building $project (Release)"
"$dotnet_root/dotnet" build -c Release "$project" -nologo -v quiet >&2
dll=$(ls -t "$project"/bin/Release/*/ExprAD.Benchmarks.Torch.dll | head -n 1)

# Does the system's libstdc++ already have what libtorch needs? Then there is nothing to work around.
# (awk reads to the end: leaving early would kill ldconfig with SIGPIPE, which pipefail turns into an exit.)
system_libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found { print $NF; found = 1 }')
if [[ ${TRIXIE_FORCE:-0} != 1 && -n $system_libstdcxx ]] && grep -aq "$needed_symbol" "$system_libstdcxx"; then
    log "system libstdc++ has $needed_symbol: running with the system's runtime"
    cd "$repo"
    exec "$dotnet_root/dotnet" exec "$dll" "$@"
fi

sysroot=$root/sysroot
libdir=$sysroot/usr/lib/x86_64-linux-gnu
loader=$sysroot/usr/lib64/ld-linux-x86-64.so.2
stamp=$root/sysroot.stamp

if [[ ! -f $stamp || ! -x $loader || ${TRIXIE_REFRESH:-0} == 1 ]]; then
    mirror=${DEBIAN_MIRROR:-}
    if [[ -z $mirror ]]; then
        # The system's Debian archive (not -security, -updates, ...), as apt itself resolved it.
        mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN)' 'Created-By: Packages' 2>/dev/null \
            | awk '$3 == "Debian" && $2 !~ /-/ && !found { print $1; found = 1 }' || true)
    fi
    if [[ -z $mirror ]]; then
        mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
            | awk 'NR == 1 { print }' | tr -d ' ' || true)
    fi
    [[ -n $mirror ]] || { log "cannot tell the Debian mirror from the apt sources: set DEBIAN_MIRROR"; exit 1; }
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [[ -f $keyring ]] || { log "$keyring missing (package debian-archive-keyring)"; exit 1; }

    apt=$root/apt
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" "$apt/preferences.d" "$root/debs"
    echo "deb [signed-by=$keyring] ${mirror%/} trixie main" > "$apt/sources.list"
    apt_options=(
        -o "Dir::Etc::SourceList=$apt/sources.list"
        -o "Dir::Etc::SourceParts=$apt/sources.list.d"
        -o "Dir::Etc::PreferencesParts=$apt/preferences.d"
        -o "Dir::State::Lists=$apt/lists"
        -o "Dir::Cache=$apt/cache"
        -o "APT::Architecture=amd64"
        -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
        -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
        -o "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false"
        -o "Acquire::Languages=none"
    )
    [[ $(id -u) == 0 ]] && apt_options+=(-o "APT::Sandbox::User=root")
    log "downloading trixie's ${packages[*]} from $mirror"
    apt-get "${apt_options[@]}" -qq update >&2
    rm -f "$root"/debs/*.deb
    (cd "$root/debs" && apt-get "${apt_options[@]}" -qq download "${packages[@]}" >&2)
    rm -rf "$sysroot"
    mkdir -p "$sysroot"
    for deb in "$root"/debs/*.deb; do
        dpkg-deb -x "$deb" "$sysroot"
    done
    [[ -x $loader ]] || { log "trixie's loader not found at $loader after unpacking"; exit 1; }
    (cd "$root/debs" && ls *.deb) > "$stamp"
fi

# The private dotnet root: symlinks to the real installation, plus a patched copy of the dotnet executable
# (refreshed every run, so that a .NET update or a moved cache folder is picked up).
wrapped=$root/dotnet
mkdir -p "$wrapped"
for entry in "$dotnet_root"/*; do
    [[ $(basename "$entry") == dotnet ]] || ln -sfn "$entry" "$wrapped/"
done
cp "$dotnet_root/dotnet" "$wrapped/dotnet.new"
"$loader" --library-path "$libdir" "$sysroot/usr/bin/patchelf" \
    --set-interpreter "$loader" --force-rpath --set-rpath "$libdir" "$wrapped/dotnet.new"
mv -f "$wrapped/dotnet.new" "$wrapped/dotnet"

# Let BenchmarkDotNet start its child processes with the patched dotnet, unless told otherwise.
extra=()
has_cli=0
for argument in "$@"; do
    case $argument in --cli | --inProcess | -i) has_cli=1 ;; esac
done
[[ $has_cli == 1 ]] || extra=(--cli "$wrapped/dotnet")

log "running under $(sed -n 's/^libc6_\([^_]*\)_.*/glibc \1/p' "$stamp"), $(sed -n 's/^libstdc++6_\([^_]*\)_.*/libstdc++ \1/p' "$stamp")"
cd "$repo"
exec "$wrapped/dotnet" exec "$dll" "${extra[@]}" "$@"
