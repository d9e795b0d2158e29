// `ckptsim generate-docs man|bash|zsh` (hidden): the man page and the shell completions, written
// from the command line's own definition (the CLI11 tree main.cpp builds), so they never drift
// from it. The build runs it (CMakeLists.txt) and `cmake --install` installs what it wrote.
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/command.h"
#include "engine/fixes.h"
#include "scenario/persistence_model.h"
#include "sim/defect_catalogue.h"

namespace cli {
namespace {

std::vector<CLI::App*> VisibleCommands(CLI::App& root) {
  std::vector<CLI::App*> visible;
  for (CLI::App* command : root.get_subcommands({})) {
    if (!command->get_group().empty()) visible.push_back(command);
  }
  return visible;
}

std::vector<const CLI::Option*> VisibleOptions(const CLI::App& command) {
  std::vector<const CLI::Option*> visible;
  for (const CLI::Option* option : command.get_options({})) {
    if (!option->get_group().empty()) visible.push_back(option);
  }
  return visible;
}

// The values an option takes, where they are a known list (for completion).
std::vector<std::string> ValuesOf(const std::string& long_name) {
  std::vector<std::string> values;
  if (long_name == "defect") {
    for (const sim::CatalogueDefect& d : sim::DefectCatalogue()) values.push_back(d.name);
  } else if (long_name == "fix") {
    for (const ckpt::FixInfo& f : ckpt::AllFixes()) values.push_back(f.name);
  } else if (long_name == "fs") {
    for (sim::PersistenceModel m :
         {sim::PersistenceModel::kHdfs, sim::PersistenceModel::kPosix,
          sim::PersistenceModel::kObjectStore, sim::PersistenceModel::kLyingDisk}) {
      values.push_back(sim::PersistenceModelName(m));
    }
  } else if (long_name == "strategy") {
    values = {"exhaustive", "random"};
  }
  return values;
}

// roff text: backslashes, and a leading dot or quote that would read as a request.
std::string Roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

// A flag takes no value (CLI11 2.1 keeps a type size for flags too: their expected items say it).
bool TakesValue(const CLI::Option& option) { return option.get_items_expected_max() > 0; }

std::string OptionSynopsis(const CLI::Option& option) {
  std::string names;
  for (const std::string& name : option.get_snames()) names += (names.empty() ? "-" : ", -") + name;
  for (const std::string& name : option.get_lnames())
    names += (names.empty() ? "--" : ", --") + name;
  if (option.get_positional()) names = option.get_name();
  if (TakesValue(option) && !option.get_positional()) {
    names +=
        " " + (option.get_option_text().empty() ? std::string("VALUE") : option.get_option_text());
  }
  return names;
}

// A footer without its "Examples:" line (the man page's section says it).
std::string WithoutHeading(const std::string& footer) {
  const std::string heading = "Examples:\n";
  return footer.rfind(heading, 0) == 0 ? footer.substr(heading.size()) : footer;
}

// "ckptsim: what it does" -> "what it does".
std::string Summary(const std::string& description) {
  const std::string prefix = "ckptsim: ";
  return description.rfind(prefix, 0) == 0 ? description.substr(prefix.size()) : description;
}

std::string ManPage(CLI::App& root) {
  std::ostringstream man;
  man << ".TH CKPTSIM 1 \"\" \"ckptsim " << CKPTSIM_VERSION << "\" \"User Commands\"\n"
      << ".SH NAME\nckptsim \\- " << Roff(Summary(root.get_description())) << "\n"
      << ".SH SYNOPSIS\n.B ckptsim\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n"
      << ".br\n.B ckptsim\n\\-\\-help | \\-\\-version\n"
      << ".SH DESCRIPTION\nckptsim explores every crash point of a streaming job's checkpoint "
         "protocol in a deterministic simulation, restarts the driver through getOrCreate, and "
         "checks outputs and Spark's recovery protocol. Every failure prints a replay command.\n"
      << ".SH COMMANDS\n";
  for (CLI::App* command : VisibleCommands(root)) {
    man << ".SS " << Roff(command->get_name()) << "\n" << Roff(command->get_description()) << "\n";
    for (const CLI::Option* option : VisibleOptions(*command)) {
      if (option->get_lnames() == std::vector<std::string>{"help"}) continue;
      man << ".TP\n.B " << Roff(OptionSynopsis(*option)) << "\n" << Roff(option->get_description());
      const std::string& default_value = option->get_default_str();
      // A description that states its default says it better (e.g. "the cores", which the
      // captured value would give as the building machine's count).
      if (TakesValue(*option) && !default_value.empty() && default_value != "[]" &&
          option->get_description().find("(default:") == std::string::npos) {
        man << " (default: " << Roff(default_value) << ")";
      }
      man << "\n";
    }
    if (!command->get_footer().empty())
      man << ".PP\n.nf\n" << Roff(command->get_footer()) << "\n.fi\n";
  }
  man << ".SH EXIT STATUS\n.TP\n0\nevery check held on everything explored (PASS)\n"
      << ".TP\n1\na check failed (FAIL); or WARN with \\-\\-strict, INCOMPLETE with "
         "\\-\\-require\\-complete\n"
      << ".TP\n2\nbad input or usage (the message names the flag, or the file, line and field)\n"
      << ".TP\n130\ninterrupted (Ctrl\\-C): the partial result was printed and written, "
         "INCOMPLETE\n"
      << ".SH EXAMPLES\n.nf\n"
      << Roff(WithoutHeading(root.get_footer())) << "\n.fi\n"
      << ".SH SEE ALSO\nThe README and docs/ of the ckptsim sources (installed under "
         "share/doc/ckptsim).\n";
  return man.str();
}

std::string Words(const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

std::vector<std::string> LongOptions(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : VisibleOptions(command)) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

std::string BashCompletion(CLI::App& root) {
  std::vector<std::string> commands;
  for (CLI::App* command : VisibleCommands(root)) commands.push_back(command->get_name());
  std::ostringstream bash;
  bash << "# bash completion for ckptsim (generated by `ckptsim generate-docs bash`)\n"
       << "_ckptsim() {\n"
       << "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts=\n"
       << "  if [[ $COMP_CWORD -eq 1 ]]; then\n"
       << "    COMPREPLY=($(compgen -W \"" << Words(commands)
       << " --help --version\" -- \"$cur\"))\n"
       << "    return\n  fi\n  case $prev in\n";
  std::set<std::string> valued;
  for (CLI::App* command : VisibleCommands(root)) {
    for (const CLI::Option* option : VisibleOptions(*command)) {
      for (const std::string& name : option->get_lnames()) {
        std::vector<std::string> values = ValuesOf(name);
        if (values.empty() || !valued.insert(name).second) continue;
        bash << "    --" << name << ") COMPREPLY=($(compgen -W \"" << Words(values)
             << "\" -- \"$cur\")); return ;;\n";
      }
    }
  }
  bash << "  esac\n  case ${COMP_WORDS[1]} in\n";
  for (CLI::App* command : VisibleCommands(root)) {
    bash << "    " << command->get_name() << ") opts=\"" << Words(LongOptions(*command))
         << "\" ;;\n";
  }
  bash << "  esac\n"
       << "  if [[ $cur == -* ]]; then\n"
       << "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
       << "  else\n"
       << "    compopt -o filenames 2>/dev/null\n"
       << "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
       << "  fi\n}\ncomplete -F _ckptsim ckptsim\n";
  return bash.str();
}

// A description inside zsh's single-quoted '--opt[...]': no brackets, colons or quotes.
std::string ZshText(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 70)) {
    if (c == '[' || c == ']' || c == ':' || c == '\'' || c == '\\' || c == '`' || c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string ZshCompletion(CLI::App& root) {
  std::ostringstream zsh;
  zsh << "#compdef ckptsim\n# zsh completion for ckptsim (generated by `ckptsim generate-docs "
         "zsh`)\n_ckptsim() {\n  local -a commands\n  commands=(\n";
  for (CLI::App* command : VisibleCommands(root)) {
    zsh << "    '" << command->get_name() << ":" << ZshText(command->get_description()) << "'\n";
  }
  zsh << "  )\n  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n  fi\n"
      << "  case $words[2] in\n";
  for (CLI::App* command : VisibleCommands(root)) {
    zsh << "    " << command->get_name() << ")\n      _arguments \\\n";
    for (const CLI::Option* option : VisibleOptions(*command)) {
      for (const std::string& name : option->get_lnames()) {
        zsh << "        '*--" << name << "[" << ZshText(option->get_description()) << "]";
        if (TakesValue(*option)) {
          std::vector<std::string> values = ValuesOf(name);
          zsh << ":" << name << ":" << (values.empty() ? "_files" : "(" + Words(values) + ")");
        }
        zsh << "' \\\n";
      }
    }
    zsh << "        '*:file:_files'\n      ;;\n";
  }
  zsh << "  esac\n}\n_ckptsim \"$@\"\n";
  return zsh.str();
}

}  // namespace

Command AddGenerateDocsCommand(CLI::App& app) {
  auto kind = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* generate = app.add_subcommand(
      "generate-docs", "print the man page or a shell completion (used by the build)");
  generate->group("");  // hidden: the build's tool, not a user's
  generate->add_option("kind", *kind, "man, bash or zsh")
      ->required()
      ->check(CLI::IsMember({"man", "bash", "zsh"}));
  generate->add_option("--out", *out, "write it to FILE (default: print it)");
  return {generate, [&app, kind, out] {
            std::string text = *kind == "man"    ? ManPage(app)
                               : *kind == "bash" ? BashCompletion(app)
                                                 : ZshCompletion(app);
            if (out->empty()) {
              std::cout << text;
              return kExitPass;
            }
            std::ofstream file(*out);
            file << text;
            return file ? kExitPass : BadInput("cannot write " + *out);
          }};
}

}  // namespace cli
