package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/rules"
)

// commandFlags builds every subcommand's flags, for help and completion.
func commandFlags() map[string]*flagSet {
	return map[string]*flagSet{
		"check":      newCheckFlags().flagSet,
		"rules":      rulesFlags(),
		"explain":    explainFlags(),
		"config":     newConfigFlags().flagSet,
		"map":        newMapFlags().flagSet,
		"lsp":        newLSPFlags().flagSet,
		"completion": completionFlags(),
		"version":    versionFlags(),
	}
}

func completionFlags() *flagSet {
	return newFlagSet("completion", "bash|zsh|fish", `Print a completion script for the shell. Load it with
  bash:  source <(djleak completion bash)
  zsh:   source <(djleak completion zsh)
  fish:  djleak completion fish | source`)
}

func cmdCompletion(args []string, stdout, stderr io.Writer) int {
	f := completionFlags()
	pos, code, done := f.parseOrExit(args, stdout, stderr, 1, 1)
	if done {
		return code
	}
	switch pos[0] {
	case "bash":
		fmt.Fprint(stdout, bashCompletion())
	case "zsh":
		fmt.Fprint(stdout, zshCompletion())
	case "fish":
		fmt.Fprint(stdout, fishCompletion())
	default:
		return f.fail(stderr, fmt.Errorf("unknown shell %q%s (want bash, zsh or fish)", pos[0], analyzer.DidYouMean(pos[0], []string{"bash", "zsh", "fish"})))
	}
	return exitClean
}

func commandNames() []string {
	var out []string
	for _, c := range subcommands {
		out = append(out, c.name)
	}
	return out
}

// valueFlags lists, per command, the flags that take a value, with the
// words to complete for it ("" for file names).
func valueFlags(f *flagSet) map[string]string {
	out := map[string]string{}
	for _, long := range f.order {
		if f.meta[long] == "" {
			continue
		}
		out["--"+long] = f.values[long]
		for _, a := range f.aliasesOf(long) {
			out["--"+a] = f.values[long]
		}
		if s := f.short[long]; s != "" {
			out["-"+s] = f.values[long]
		}
	}
	return out
}

func ruleWords() string {
	var w []string
	for _, r := range rules.All() {
		w = append(w, r.ID, r.Name)
	}
	return strings.Join(w, " ")
}

func sortedCommands(m map[string]*flagSet) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func bashCompletion() string {
	cmds := commandFlags()
	var b strings.Builder
	b.WriteString(`# bash completion for djleak; load with: source <(djleak completion bash)
_djleak() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [ "$COMP_CWORD" -le 1 ]; then
        COMPREPLY=( $(compgen -W "` + strings.Join(commandNames(), " ") + ` --help --version" -- "$cur") )
        return
    fi
    cmd="${COMP_WORDS[1]}"
    case "$cmd" in
`)
	for _, name := range sortedCommands(cmds) {
		f := cmds[name]
		fmt.Fprintf(&b, "    %s)\n        case \"$prev\" in\n", name)
		vf := valueFlags(f)
		var names []string
		for k := range vf {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, fl := range names {
			words := vf[fl]
			if isRuleFlag(fl) {
				words = ruleWords()
			}
			if words == "" {
				fmt.Fprintf(&b, "            %s) COMPREPLY=( $(compgen -f -- \"$cur\") ); return ;;\n", fl)
			} else {
				fmt.Fprintf(&b, "            %s) COMPREPLY=( $(compgen -W \"%s\" -- \"$cur\") ); return ;;\n", fl, words)
			}
		}
		b.WriteString("        esac\n")
		args := ""
		switch name {
		case "explain":
			args = ruleWords()
		case "completion":
			args = "bash zsh fish"
		}
		fmt.Fprintf(&b, "        if [[ \"$cur\" == -* ]]; then\n            COMPREPLY=( $(compgen -W \"%s\" -- \"$cur\") )\n", strings.Join(f.longFlags(), " "))
		if args != "" {
			fmt.Fprintf(&b, "        else\n            COMPREPLY=( $(compgen -W \"%s\" -- \"$cur\") )\n", args)
		} else {
			b.WriteString("        else\n            COMPREPLY=( $(compgen -f -- \"$cur\") )\n")
		}
		b.WriteString("        fi\n        ;;\n")
	}
	b.WriteString(`    esac
}
complete -o default -F _djleak djleak
`)
	return b.String()
}

func isRuleFlag(fl string) bool {
	switch fl {
	case "--select", "--extend-select", "--ignore", "--extend-ignore":
		return true
	}
	return false
}

func zshCompletion() string {
	cmds := commandFlags()
	var b strings.Builder
	b.WriteString(`#compdef djleak
# zsh completion for djleak; load with: source <(djleak completion zsh)
_djleak() {
    local -a commands
    commands=(
`)
	for _, c := range subcommands {
		fmt.Fprintf(&b, "        %s\n", zshQuote(c.name+":"+c.about))
	}
	b.WriteString(`    )
    if (( CURRENT == 2 )); then
        _describe 'command' commands
        return
    fi
    case "${words[2]}" in
`)
	for _, name := range sortedCommands(cmds) {
		f := cmds[name]
		fmt.Fprintf(&b, "    %s)\n        _arguments \\\n", name)
		for _, long := range f.order {
			help := strings.NewReplacer("[", "(", "]", ")", ":", " ").Replace(f.fs.Lookup(long).Usage)
			spec := "--" + long + "[" + help + "]"
			if f.meta[long] != "" {
				action := "_files"
				if isRuleFlag("--" + long) {
					action = "(" + ruleWords() + ")"
				} else if v := f.values[long]; v != "" {
					action = "(" + v + ")"
				}
				spec = "--" + long + "=[" + help + "]:" + strings.ToLower(f.meta[long]) + ":" + action
			}
			fmt.Fprintf(&b, "            %s \\\n", zshQuote(spec))
		}
		fmt.Fprintf(&b, "            %s \\\n            '*:file:_files'\n        ;;\n", zshQuote("--help[print the help]"))
	}
	b.WriteString(`    esac
}
if [[ "$funcstack[1]" == "_djleak" ]]; then
    _djleak "$@"
else
    compdef _djleak djleak
fi
`)
	return b.String()
}

func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func fishCompletion() string {
	cmds := commandFlags()
	var b strings.Builder
	b.WriteString("# fish completion for djleak; load with: djleak completion fish | source\ncomplete -c djleak -f\n")
	for _, c := range subcommands {
		fmt.Fprintf(&b, "complete -c djleak -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.about))
	}
	for _, name := range sortedCommands(cmds) {
		f := cmds[name]
		for _, long := range f.order {
			line := fmt.Sprintf("complete -c djleak -n '__fish_seen_subcommand_from %s' -l %s", name, long)
			if s := f.short[long]; s != "" {
				line += " -s " + s
			}
			if f.meta[long] != "" {
				line += " -r"
				if isRuleFlag("--" + long) {
					line += " -a " + fishQuote(ruleWords())
				} else if v := f.values[long]; v != "" {
					line += " -a " + fishQuote(v)
				} else {
					line += " -F"
				}
			}
			line += " -d " + fishQuote(f.fs.Lookup(long).Usage)
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
