"""The project's C++ sources, for the structure and style checkers (check_layers.py,
check_style.py): in a git checkout the tracked files and the untracked ones git does not ignore,
elsewhere (a planted tree of check_checkers.py) every .cpp and .h below the root."""
import os
import subprocess


def sources(root):
    try:
        command = ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.cpp", "*.h"]
        listed = subprocess.run(command, cwd=root, check=True, capture_output=True,
                                text=True).stdout.split()
        return sorted(path for path in listed if os.path.exists(os.path.join(root, path)))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for folder, _, files in os.walk(root):
            for name in files:
                if name.endswith((".cpp", ".h")):
                    found.append(os.path.relpath(os.path.join(folder, name), root))
        return sorted(found)
