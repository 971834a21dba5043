# Sourced by the scripts that install what they need from Debian's packages.
# debian_install PROGRAM PACKAGE: when PROGRAM (a path, or a command on PATH) is
# missing, install PACKAGE with apt-get, as root or through sudo without a password.
# Says on stderr what it does, or why it cannot, and then returns 1: the caller decides
# whether that stops it.
debian_install() {
  local program=$1 package=$2 me
  me=$(basename "$0" .sh)
  _debian_has "$program" && return 0
  echo "$me: $program not found; installing Debian's $package" >&2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$me: no apt-get here; install $package by hand" >&2
    return 1
  fi
  local as_root
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "$me: needs root to install $package; run: sudo apt-get install $package" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq >&2 &&
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$package" >&2 || return 1
  if ! _debian_has "$program"; then
    echo "$me: installed $package, but $program is still missing" >&2
    return 1
  fi
}

_debian_has() {
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1
}
