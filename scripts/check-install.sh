#!/usr/bin/env bash
# ctest install.layout_completions_package: `cmake --install` puts the binary, the man page, the
# bash and zsh completions, the docs and the bundled scenarios under a prefix; the installed
# binary explores an installed scenario; the man page renders without a warning and documents
# every command `--help` lists; the bash completion completes commands, options and their values;
# the zsh completion parses; and `cpack` makes a .deb holding the same files with its Depends
# taken from the linked libraries.
set -euo pipefail
build=$(cd "$1" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "install: $*"; exit 1; }

cmake --install "$build" --prefix "$out/prefix" >/dev/null
prefix=$out/prefix
man_page=$prefix/share/man/man1/ckptsim.1
bash_completion=$prefix/share/bash-completion/completions/ckptsim
zsh_completion=$prefix/share/zsh/vendor-completions/_ckptsim
for file in bin/ckptsim share/man/man1/ckptsim.1 share/bash-completion/completions/ckptsim \
    share/zsh/vendor-completions/_ckptsim share/doc/ckptsim/README.md share/doc/ckptsim/json.md \
    share/ckptsim/scenarios/basic/running_count.yaml; do
  [[ -s $prefix/$file ]] || fail "$file is not installed"
done
"$prefix/bin/ckptsim" explore "$prefix/share/ckptsim/scenarios/basic/wordcount.yaml" >/dev/null ||
  fail "the installed binary does not pass an installed scenario"

# Every command --help lists, and no hidden one, in the man page; groff finds nothing to warn of.
commands=$("$prefix/bin/ckptsim" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF {print $1}')
[[ $(wc -w <<<"$commands") -ge 10 ]] || fail "--help lists no commands: $commands"
warnings=$(groff -man -Tutf8 -ww -z "$man_page" 2>&1) || fail "groff failed on the man page"
[[ -z $warnings ]] || fail "groff warns: $warnings"
for command in $commands; do
  grep -q "^\.SS ${command//-/\\\\-}\$" "$man_page" || fail "the man page lacks the command $command"
done
if grep -q '^\.SS generate' "$man_page"; then fail "the man page shows the hidden command"; fi
grep -q '^130$' "$man_page" || fail "the man page lacks the exit codes"

# bash: what a Tab after each line offers.
source "$bash_completion"
offered() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _ckptsim
  echo "${COMPREPLY[*]}"
}
[[ $(offered ckptsim expl) == explore ]] || fail "'ckptsim expl' completes to '$(offered ckptsim expl)'"
[[ $(offered ckptsim explore --defe) == --defect ]] || fail "no --defect for explore"
[[ $(offered ckptsim explore --defect skip-p) == skip-pending-times ]] || fail "no defect names"
[[ $(offered ckptsim run --fs lyi) == lying-disk ]] || fail "no --fs models"
[[ -z $(offered ckptsim defects --repo) ]] || fail "defects offers an option it does not take"
[[ $(offered ckptsim study-interval --rep) == --report ]] || fail "study-interval has no --report"

if command -v zsh >/dev/null; then
  zsh -n "$zsh_completion" || fail "the zsh completion does not parse"
else
  fail "zsh is not installed (scripts/install-deps.sh installs it)"
fi
grep -q "'\*--defect\[.*\]:defect:(.*skip-pending-times.*)'" "$zsh_completion" ||
  fail "the zsh completion lacks --defect with its values"

# The .deb: the same files, and Depends from the libraries the binary links.
(cd "$out" && cpack --config "$build/CPackConfig.cmake" -B "$out/package" >/dev/null) ||
  fail "cpack failed"
deb=$(ls "$out"/package/ckptsim_*.deb)
contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/ckptsim ./usr/share/man/man1/ckptsim.1 \
    ./usr/share/bash-completion/completions/ckptsim ./usr/share/ckptsim/scenarios/basic/wordcount.yaml; do
  grep -q " $file\$" <<<"$contents" || fail "the .deb lacks $file"
done
depends=$(dpkg-deb -f "$deb" Depends)
[[ $depends == *libyaml-cpp* && $depends == *libboost-serialization* ]] ||
  fail "the .deb's Depends lacks the linked libraries: $depends"
echo "install: layout, man page, completions and .deb ($(basename "$deb")) checked"
