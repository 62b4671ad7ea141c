# tests/guest/inside/ runs inside the guest lab (tests/guest/test_guest.py boots it); on the
# host it is not collected. lab.sh's guest runner sets WEFT_LAB_OUT for every command.
import os

collect_ignore = [] if os.environ.get("WEFT_LAB_OUT") else ["inside"]
