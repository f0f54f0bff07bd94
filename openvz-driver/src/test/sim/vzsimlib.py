# -*- coding: utf-8 -*-
"""Shared code of the OpenVZ vzctl/vzlist simulator (test fixture).

Written from vzctl's documented behaviour: the man pages vzctl.8 / vzlist.8
and the sources of vzctl 4.11.1 (github.com/kolyshkin/vzctl).  Every
behaviour carries a comment "src: FILE[:function]" naming the place it was
taken from, so a reader can check it.  Paths are relative to the vzctl
source tree (include/, src/, src/lib/, man/, etc/).  "VZ7:" comments refer to
github.com/OpenVZ/vzctl 9.0.1 (Virtuozzo 7).

Python standard library only.  See README.md next to this file.
"""

import errno
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import sys
import time

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------
LONG_MAX = 2 ** 63 - 1          # 64-bit host: "unlimited" (src/lib/util.c:parse_ul)
INT_MAX = 2 ** 31 - 1
ULLONG_MAX = 2 ** 64 - 1
PAGE_SIZE = 4096                # get_pagesize() on x86_64
VEID_MAX = 2147483644           # include/types.h
YES, NO = 1, 2                  # include/types.h
SET_NONE, SET_IGNORE, SET_RESTART = 0, 1, 2   # include/vzctl.h
LAYOUT_SIMFS, LAYOUT_PLOOP = 1, 2             # include/res.h
DEF_CPUUNITS = 1000             # include/env.h (src/lib/env.c:fix_cpu)
MINCPUUNITS, MAXCPUUNITS = 8, 500000          # include/cpu.h

# parse() return codes, include/types.h
ERR_DUP, ERR_INVAL, ERR_UNK, ERR_NOMEM, ERR_OTHER, ERR_INVAL_SKIP, ERR_LONG_TRUNC = \
    -1, -2, -3, -4, -5, -6, -7

# Exit codes, include/vzerror.h (also man/vzctl.8.in "EXIT STATUS")
VZ_SYSTEM_ERROR = 3
VZ_LOCKED = 9
VZ_NOVECONFIG = 14
VZ_INVALID_PARAMETER_SYNTAX = 20
VZ_INVALID_PARAMETER_VALUE = 21
VZ_NOTENOUGHUBCPARAMS = 28
VZ_VE_OSTEMPLATE_NOTSET = 29
VZ_VE_NOT_RUNNING = 31
VZ_VE_RUNNING = 32
VZ_FS_NOT_MOUNTED = 40
VZ_FS_MOUNTED = 41
VZ_FS_NOPRVT = 43
VZ_FS_PRVT_AREA_EXIST = 44
VZ_DQ_SET = 62
VZ_DISKSPACE_NOT_SET = 63
VZ_CHANGEPASS = 74
VZ_IP_INUSE = 78
VZ_CP_CONFIG = 82
VZ_OSTEMPLATE_NOT_FOUND = 91
VZ_VE_START_DISABLED = 105
VZ_APPLY_CONFIG_ERROR = 109
VZ_SET_NAME_ERROR = 131
VZ_SET_IO = 148

# FOR_ALL_UBC order, include/ub.h (also the vzlist field order, src/vzlist.c)
UBC_NAMES = ["kmemsize", "lockedpages", "privvmpages", "shmpages", "numproc",
             "physpages", "vmguarpages", "oomguarpages", "numtcpsock", "numflock",
             "numpty", "numsiginfo", "tcpsndbuf", "tcprcvbuf", "othersockbuf",
             "dgramrcvbuf", "numothersock", "dcachesize", "numfile", "numiptent",
             "swappages"]
# store_ub() order, src/lib/config.c (note numfile before dcachesize, avnumproc)
UBC_STORE_ORDER = ["kmemsize", "lockedpages", "privvmpages", "shmpages", "numproc",
                   "physpages", "vmguarpages", "oomguarpages", "numtcpsock",
                   "numflock", "numpty", "numsiginfo", "tcpsndbuf", "tcprcvbuf",
                   "othersockbuf", "dgramrcvbuf", "numothersock", "numfile",
                   "dcachesize", "numiptent", "avnumproc", "swappages"]
# parse(): divisor per beancounter, src/lib/config.c:parse()
UB_PAGES = {"lockedpages", "privvmpages", "shmpages", "physpages", "vmguarpages",
            "oomguarpages", "swappages"}
UB_ITEMS = {"numproc", "numtcpsock", "numflock", "numpty", "numsiginfo",
            "numothersock", "numfile", "numiptent", "avnumproc"}
UB_BYTES = {"kmemsize", "tcpsndbuf", "tcprcvbuf", "othersockbuf", "dgramrcvbuf",
            "dcachesize"}
UB_ALL = UB_PAGES | UB_ITEMS | UB_BYTES

# src/lib/vzfeatures.c: features[] (name, mask) in table order
FEATURES = [("sysfs", 1 << 0), ("nfs", 1 << 1), ("sit", 1 << 3), ("ipip", 1 << 4),
            ("ppp", 1 << 5), ("ipgre", 1 << 6), ("bridge", 1 << 7), ("nfsd", 1 << 8)]

# src/lib/cap.c: cap_names[] (index = capability bit)
CAP_NAMES = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
             "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
             "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
             "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
             "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
             "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "VE_ADMIN", "SETFCAP",
             "FS_MASK"]


def _b(n):
    return 1 << n


# src/lib/iptables.c: _g_iptables[] (name, id bit, mask incl. dependencies from
# include/linux/vzcalluser.h VE_IP_* macros), in table order.
_IPT = _b(0)
_CT = _b(14) | _IPT
_NAT = _b(20) | _CT
IPTABLES = [
    ("ip_tables", 0, _IPT), ("iptable_filter", 1, _b(1) | _IPT),
    ("iptable_mangle", 2, _b(2) | _IPT), ("ipt_limit", 3, _b(3) | _IPT),
    ("ipt_multiport", 4, _b(4) | _IPT), ("ipt_tos", 5, _b(5) | _IPT),
    ("ipt_TOS", 6, _b(6) | _IPT), ("ipt_REJECT", 7, _b(7) | _IPT),
    ("ipt_TCPMSS", 8, _b(8) | _IPT), ("ipt_tcpmss", 9, _b(9) | _IPT),
    ("ipt_ttl", 10, _b(10) | _IPT), ("ipt_LOG", 11, _b(11) | _IPT),
    ("ipt_length", 12, _b(12) | _IPT), ("ip_conntrack", 14, _CT),
    ("ip_conntrack_ftp", 15, _b(15) | _CT), ("ip_conntrack_irc", 16, _b(16) | _CT),
    ("ipt_conntrack", 17, _b(17) | _CT), ("ipt_state", 18, _b(18) | _CT),
    ("ipt_helper", 19, _b(19) | _CT), ("iptable_nat", 20, _NAT),
    ("ip_nat_ftp", 21, _b(21) | _NAT | _b(15) | _CT),
    ("ip_nat_irc", 22, _b(22) | _NAT | _b(16) | _CT),
    ("ipt_REDIRECT", 23, _b(23) | _NAT), ("xt_mac", 25, _b(25) | _IPT),
    ("ipt_recent", 31, _b(31) | _IPT), ("ipt_owner", 24, _b(24) | _IPT),
]
# src/lib/iptables.c: _g_netfilter[]
NETFILTER = [("disabled", 1), ("stateless", 2), ("stateful", 3), ("full", 4)]


def netfilter_mask2str(i):
    for n, v in NETFILTER:
        if v == i:
            return n
    return None


# --------------------------------------------------------------------------
# Environment of the simulator
# --------------------------------------------------------------------------
class Env(object):
    pass


def get_env(prog):
    root = os.environ.get("VZSIM_ROOT")
    if not root:
        sys.stderr.write("%s (simulator): VZSIM_ROOT is not set\n" % prog)
        sys.exit(VZ_SYSTEM_ERROR)
    e = Env()
    e.prog = prog
    e.root = os.path.abspath(root)
    e.version = os.environ.get("VZSIM_VERSION", "4.11").strip() or "4.11"
    e.vz7 = e.version.split(".")[0] == "7"
    e.conf_dir = os.path.join(e.root, "conf")        # VPSCONFDIR (/etc/vz/conf)
    e.names_dir = os.path.join(e.root, "names")      # VENAME_DIR (/etc/vz/names)
    e.run_dir = os.path.join(e.root, "run")          # the simulated kernel state
    e.lock_dir = os.path.join(e.root, "lock")        # LOCKDIR (/vz/lock)
    e.template_dir = os.path.join(e.root, "template")  # TEMPLATE (/vz/template)
    e.templates_file = os.path.join(e.root, "templates")
    e.global_cfg = os.path.join(e.root, "vz.conf")   # GLOBAL_CFG (/etc/vz/vz.conf)
    e.calls_log = os.path.join(e.root, "calls.log")
    e.host_cpus = int(os.environ.get("VZSIM_HOST_CPUS", "4"))
    e.locked = [x.strip() for x in os.environ.get("VZSIM_LOCKED", "").split(",")
                if x.strip()]
    e.no_json = os.environ.get("VZSIM_NO_JSON", "") not in ("", "0")
    return e


DEFAULT_TEMPLATE = "centos-6-x86"   # etc/vz.conf.in: DEF_OSTEMPLATE="centos-6-x86"

# Sample configs.  Values taken from etc/conf/ve-vswap-*.conf-sample and
# etc/conf/ve-basic.conf-sample (the sample header comments are not copied).
SAMPLES = {
    "vswap-256m": [("PHYSPAGES", "0:256M"), ("SWAPPAGES", "0:512M")],
    "vswap-512m": [("PHYSPAGES", "0:512M"), ("SWAPPAGES", "0:1G")],
    "vswap-1g": [("PHYSPAGES", "0:1G"), ("SWAPPAGES", "0:2G")],
    "basic": [("KMEMSIZE", "14372700:14790164"), ("LOCKEDPAGES", "2048:2048"),
              ("PRIVVMPAGES", "65536:69632"), ("SHMPAGES", "21504:21504"),
              ("NUMPROC", "240:240"), ("PHYSPAGES", "0:unlimited"),
              ("VMGUARPAGES", "33792:unlimited"), ("OOMGUARPAGES", "26112:unlimited"),
              ("NUMTCPSOCK", "360:360"), ("NUMFLOCK", "188:206"), ("NUMPTY", "16:16"),
              ("NUMSIGINFO", "256:256"), ("TCPSNDBUF", "1720320:2703360"),
              ("TCPRCVBUF", "1720320:2703360"), ("OTHERSOCKBUF", "1126080:2097152"),
              ("DGRAMRCVBUF", "262144:262144"), ("NUMOTHERSOCK", "360:360"),
              ("DCACHESIZE", "3409920:3624960"), ("NUMFILE", "9312:9312"),
              ("AVNUMPROC", "180:180"), ("NUMIPTENT", "128:128")],
}
SAMPLE_TAIL = [("DISKSPACE", "2G:2.2G"), ("DISKINODES", "131072:144179"),
               ("QUOTATIME", "0"), ("CPUUNITS", "1000"), ("NETFILTER", "stateless")]


def init_tree(e):
    """Create the simulated host layout on first use."""
    for d in (e.conf_dir, e.names_dir, e.run_dir, e.lock_dir,
              os.path.join(e.root, "private"), os.path.join(e.root, "root"),
              os.path.join(e.template_dir, "cache")):
        try:
            os.makedirs(d)
        except OSError as ex:
            if ex.errno != errno.EEXIST:
                raise
    if not os.path.exists(e.templates_file):
        _write_atomic(e.templates_file, DEFAULT_TEMPLATE + "\n")
    for name, ub in SAMPLES.items():
        path = os.path.join(e.conf_dir, "ve-%s.conf-sample" % name)
        if not os.path.exists(path):
            lines = ["# vzctl simulator: sample modelled on vzctl etc/conf/"
                     "ve-%s.conf-sample" % name, ""]
            lines += ['%s="%s"' % kv for kv in ub + SAMPLE_TAIL]
            _write_atomic(path, "\n".join(lines) + "\n")
    if not os.path.exists(e.global_cfg):
        # Modelled on etc/vz.conf.in; paths moved below $VZSIM_ROOT.
        # VE_LAYOUT: vz.conf.in ships "ploop"; the simulator defaults to simfs
        # (set VZSIM_LAYOUT=ploop before the first call to change that).
        layout = os.environ.get("VZSIM_LAYOUT", "simfs")
        txt = "\n".join([
            "## Global parameters (vzctl simulator, modelled on etc/vz.conf.in)",
            "VIRTUOZZO=yes",
            "LOCKDIR=%s" % e.lock_dir,
            "DUMPDIR=%s/dump" % e.root,
            "VE0CPUUNITS=1000",
            "LOGGING=no",
            "LOG_LEVEL=0",
            "VERBOSE=0",
            "DISK_QUOTA=yes",
            "TEMPLATE=%s" % e.template_dir,
            "VE_ROOT=%s/root/$VEID" % e.root,
            "VE_PRIVATE=%s/private/$VEID" % e.root,
            'CONFIGFILE="vswap-256m"',
            'DEF_OSTEMPLATE="%s"' % DEFAULT_TEMPLATE,
            "VE_LAYOUT=%s" % layout,
            'IPV6="yes"',
        ]) + "\n"
        _write_atomic(e.global_cfg, txt)


def _write_atomic(path, text):
    # src/lib/config.c:write_conf(): write PATH.tmp, then rename() (the pid
    # suffix keeps concurrent simulator processes apart)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def log_call(e, argv):
    """One JSON array per invocation: [basename(argv0), argv1, ...]."""
    line = json.dumps([os.path.basename(argv[0])] + list(argv[1:])) + "\n"
    fd = os.open(e.calls_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def templates(e):
    try:
        with open(e.templates_file) as f:
            return [l.strip() for l in f if l.strip() and not l.startswith("#")]
    except IOError:
        return []


# --------------------------------------------------------------------------
# Logger, src/lib/logger.c:logger(): level < 0 -> stderr, else stdout;
# printed when !quiet && verbose >= level.
# --------------------------------------------------------------------------
class Logger(object):
    def __init__(self):
        self.quiet = False
        self.verbose = 0

    def __call__(self, level, msg, err=None):
        if self.quiet or self.verbose < level:
            return
        out = sys.stderr if level < 0 else sys.stdout
        if err is not None:
            msg = "%s: %s" % (msg, os.strerror(err))
        out.write(msg + "\n")
        out.flush()


logger = Logger()


def err_print(msg):
    """Direct fprintf(stderr, ...) in the sources (not subject to --quiet)."""
    sys.stderr.write(msg)
    sys.stderr.flush()


# --------------------------------------------------------------------------
# C number parsing helpers
# --------------------------------------------------------------------------
_num_re = re.compile(r"\s*([+-]?)(\d*)")


def c_strtoul(s):
    """strtoul(s, &tail, 10): returns (value, tail, erange)."""
    m = _num_re.match(s)
    sign, digits = m.group(1), m.group(2)
    if not digits:
        return 0, s, False
    v = int(digits)
    erange = v > ULLONG_MAX
    if erange:
        v = ULLONG_MAX
    elif sign == "-":
        v = (-v) % (ULLONG_MAX + 1)
    return v, s[m.end():], erange


def c_strtol(s):
    m = _num_re.match(s)
    sign, digits = m.group(1), m.group(2)
    if not digits:
        return 0, s
    v = int(digits)
    return (-v if sign == "-" else v), s[m.end():]


def parse_int(s):
    """src/lib/util.c:parse_int(); returns int or None."""
    v, tail = c_strtol(s)
    if tail != "" or v < -2 ** 31 or v > INT_MAX:
        return None
    return v


def parse_ul(s):
    """src/lib/util.c:parse_ul(); returns int or None."""
    if s == "unlimited":
        return LONG_MAX
    v, tail, _ = c_strtoul(s)
    if tail != "" or v > LONG_MAX:
        return None
    return v


def get_mul(c):
    # src/lib/config.c:get_mul()
    return {"T": 1024 ** 4, "t": 1024 ** 4, "G": 1024 ** 3, "g": 1024 ** 3,
            "M": 1024 ** 2, "m": 1024 ** 2, "K": 1024, "k": 1024,
            "P": PAGE_SIZE, "p": PAGE_SIZE, "B": 1, "b": 1}.get(c, -1)


_float_re = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_ul_sfx(s, divisor, allow_unlimited):
    """src/lib/config.c:parse_ul_sfx(): returns (value, tail) or None."""
    if allow_unlimited and s.startswith("unlimited"):
        return LONG_MAX, s[9:]
    val, tail, erange = c_strtoul(s)
    if erange:
        return None
    v = float(val)
    if tail.startswith("."):
        m = _float_re.match(s)
        v = float(m.group(0))
        tail = s[m.end():]
        val = int(v)
    if tail and tail[0] != ":":
        if not divisor:
            return None
        n = get_mul(tail[0])
        if n < 0:
            return None
        v = v * n / divisor
        val = LONG_MAX + 1 if v > float(LONG_MAX) else int(v)
        tail = tail[1:]
    return val, tail


def parse_twoul_sfx(s, divisor, allow_unlimited):
    """src/lib/config.c:parse_twoul_sfx(): returns (ret, [barrier, limit])."""
    ret = 0
    r = parse_ul_sfx(s, divisor, allow_unlimited)
    if r is None:
        return ERR_INVAL, None
    v0, tail = r
    if v0 > LONG_MAX:
        v0, ret = LONG_MAX, ERR_LONG_TRUNC
    if tail.startswith(":"):
        r = parse_ul_sfx(tail[1:], divisor, allow_unlimited)
        if r is None or r[1] != "":
            return ERR_INVAL, None
        v1 = r[0]
        if v1 > LONG_MAX:
            v1, ret = LONG_MAX, ERR_LONG_TRUNC
    elif tail == "":
        v1 = v0
    else:
        return ERR_INVAL, None
    return ret, [v0, v1]


def ubcstr(bar, lim):
    # src/lib/util.c:ubcstr(): LONG_MAX prints as "unlimited"; one value when
    # barrier == limit
    def one(v):
        return "unlimited" if v == LONG_MAX else "%d" % v
    if bar == lim:
        return one(bar)
    return one(bar) + ":" + one(lim)


def subst_veid(veid, src):
    # src/lib/util.c:subst_VEID()
    if src is None:
        return None
    s = src.rstrip("/") if src != "/" else src
    for pat in ("$VEID", "${VEID}"):
        i = s.find(pat)
        if i >= 0:
            return s[:i] + str(veid) + s[i + len(pat):]
    return s


def canon_ip(s):
    """src/lib/util.c:canon_ip(): inet_pton + inet_ntop (+ "/mask")."""
    if "/" in s:
        ipstr, maskstr = s.split("/", 1)
    else:
        ipstr, maskstr = s, None
    try:
        if ":" in ipstr:
            a = ipaddress.IPv6Address(ipstr)
            if a.ipv4_mapped is not None:
                out = "::ffff:%s" % a.ipv4_mapped
            else:
                out = a.compressed
            maxmask = 128
        else:
            a = ipaddress.IPv4Address(ipstr)
            out = str(a)
            maxmask = 32
    except ValueError:
        return None
    if maskstr is None:
        return out
    m = parse_int(maskstr)
    if m is None or m < 0 or m > maxmask:
        return None
    return "%s/%d" % (out, m)


def ip_only(s):
    return s.split("/", 1)[0]


def find_ip(lst, addr):
    """src/lib/net.c:find_ip(): matches IP, IP/mask, or same IP other mask."""
    if "/" in addr:
        slash = addr[:addr.index("/") + 1]
        only = addr[:addr.index("/")]
    else:
        slash, only = addr + "/", None
    for v in lst:
        if v == addr or (only is not None and v == only) or v.startswith(slash):
            return v
    return None


def merge_str_list(delall, old, add, dele, find=None):
    # src/lib/list.c:__merge_str_list()
    find = find or (lambda l, v: v if v in l else None)
    if not delall and not add and not dele:
        return None
    out = []
    if not delall:
        for v in old:
            if find(add, v) or find(dele, v):
                continue
            out.append(v)
    out.extend(add)
    return out


def add_str2list(lst, val):
    # src/lib/list.c:add_str2list(): split on "\t ", skip duplicates
    for tok in re.split(r"[\t ]+", val):
        if tok and tok not in lst:
            lst.append(tok)


def generate_mac(veid, dev_name):
    """src/lib/veth.c:generate_mac(); hwid = "00:00:00:00:00:00" (the
    fallback used when no host NIC is found)."""
    data = ("%s:%d:%s " % (dev_name, veid, "00:00:00:00:00:00")).encode()
    M = 0xffffffff
    h = veid & M
    for i in range(len(data) - 1):
        h = (h + data[i]) & M
        tmp = ((data[i + 1] << 11) ^ h) & M
        h = ((h << 16) ^ tmp) & M
        h = (h + (h >> 11)) & M
    h ^= (h << 3) & M
    h = (h + (h >> 5)) & M
    h ^= (h << 4) & M
    h = (h + (h >> 17)) & M
    h ^= (h << 25) & M
    h = (h + (h >> 6)) & M
    oui = 0x001851
    mac = [(oui >> 0xf) & 0xff, (oui >> 8) & 0xff, oui & 0xff,
           h & 0xff, (h >> 8) & 0xff, (h >> 0xf) & 0xff]
    return ":".join("%02X" % b for b in mac)


def veth_host_name(veid, dev_name_ve):
    # src/lib/config.c:generate_veth_name(): "veth$VEID" "." id-of-ifname
    m = re.match(r"[^0-9]*(\d+)", dev_name_ve)
    idx = int(m.group(1)) if m else 0
    return "veth%d.%d" % (veid, idx)


def parse_hwaddr(s):
    if not re.match(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$", s):
        return None
    return s.upper()


# --------------------------------------------------------------------------
# vps_param, include/vzctl_param.h / src/lib/config.c
# --------------------------------------------------------------------------
class Param(object):
    def __init__(self):
        # vps_opt
        self.save = 0
        self.save_force = 0
        self.reset_ub = 0
        self.setmode = SET_NONE
        self.start_disabled = 0
        self.start_force = 0
        self.fast_kill = 0
        self.skip_umount = 0
        self.skip_remount = 0
        self.skip_setup = 0
        self.config = None
        self.origin_sample = None
        self.apply_cfg = None
        self.apply_cfg_map = 0
        # misc
        self.wait = 0
        self.hostname = None
        self.description = None
        self.nameserver = []
        self.searchdomain = []
        self.userpw = []
        self.onboot = 0
        self.bootorder = None
        self.stop_timeout = -1
        self.local_uid = None
        self.local_gid = None
        # net
        self.ip = []
        self.delall = 0
        self.del_ip = []
        self.netdev = []
        self.del_netdev = []
        self.skip_arpdetect = 0
        self.ipv6_net = 0
        # fs
        self.root = None
        self.root_orig = None
        self.private = None
        self.private_orig = None
        self.tmpl_dir = None
        self.mount_opts = None
        self.layout = 0
        self.layout_mode = -1
        # tmpl
        self.ostmpl = None
        self.def_ostmpl = None
        # ub
        self.ub = {}
        self.vm_overcommit = None
        # cap / env
        self.cap_on = 0
        self.cap_off = 0
        self.ipt_mask = 0
        self.nf_mask = 0
        self.features_mask = 0
        self.features_known = 0
        # dq
        self.dq_enable = 0
        self.diskspace = None
        self.diskinodes = None
        self.quotatime = None
        self.ugidlimit = None
        self.offline_resize = 0
        # devices: dicts {type, major, minor ('all' or int), perms, name}
        self.devs = []
        self.pci = []
        self.del_pci = []
        # cpu
        self.cpuunits = None
        self.cpuweight = None
        self.cpulimit = None
        self.vcpus = None
        self.cpumask = None
        self.nodemask = None
        self.cpumask_auto = 0
        # io
        self.ioprio = -1
        self.iolimit = -1
        self.iopslimit = -1
        self.meminfo = None
        # name
        self.name = None
        self.name_veid = 0
        # veth: dicts {ifname, mac, host_ifname, host_mac, bridge, mac_filter, configure}
        self.veth = []
        self.veth_delall = 0
        self.del_veth = []
        # VZ7
        self.noatime = 0
        # global config
        self.log_verbose = None
        self.lockdir = None
        self.dumpdir = None


# src/lib/config.c:merge_*(): which fields are merged how
_MERGE_INT = ["save", "fast_kill", "skip_umount", "skip_setup", "start_disabled",
              "start_force", "setmode", "apply_cfg_map", "delall", "skip_arpdetect",
              "onboot", "wait", "dq_enable", "cap_on", "cap_off", "ipt_mask", "nf_mask",
              "features_mask", "features_known", "name_veid", "layout", "noatime"]
_MERGE_INT2 = ["stop_timeout", "ioprio", "iolimit", "iopslimit", "layout_mode"]
_MERGE_PTR = ["config", "origin_sample", "apply_cfg", "hostname", "description",
              "bootorder", "local_uid", "local_gid", "root", "root_orig", "private",
              "private_orig", "tmpl_dir", "mount_opts", "ostmpl", "def_ostmpl",
              "vm_overcommit", "diskspace", "diskinodes", "quotatime", "ugidlimit",
              "cpuunits", "cpuweight", "cpulimit", "vcpus", "cpumask", "nodemask",
              "meminfo", "name"]
_MERGE_LIST = ["ip", "netdev", "nameserver", "searchdomain", "userpw", "pci", "devs",
               "veth"]


def merge_vps_param(dst, src):
    """src/lib/config.c:merge_vps_param()"""
    for f in _MERGE_INT:
        if getattr(src, f):
            setattr(dst, f, getattr(src, f))
    for f in _MERGE_INT2:
        if getattr(src, f) >= 0:
            setattr(dst, f, getattr(src, f))
    for f in _MERGE_PTR:
        v = getattr(src, f)
        if v is not None:
            setattr(dst, f, list(v) if isinstance(v, list) else v)
    for f in _MERGE_LIST:
        v = getattr(src, f)
        if v:
            setattr(dst, f, [dict(x) if isinstance(x, dict) else x for x in v])
    for n in UBC_NAMES:            # FOR_ALL_UBC(MERGE_P2): avnumproc not merged
        if n in src.ub:
            dst.ub[n] = list(src.ub[n])


def copy_param(p):
    q = Param()
    merge_vps_param(q, p)
    q.ub = dict((k, list(v)) for k, v in p.ub.items())
    return q


# --------------------------------------------------------------------------
# parse(): src/lib/config.c:parse() and helpers
# --------------------------------------------------------------------------
def check_name(name):
    # src/lib/config.c:check_name(): isdigit/isalpha (C locale) or " -+_."
    for ch in name:
        if ch in "0123456789" or ("a" <= ch <= "z") or ("A" <= ch <= "Z") \
                or ch in " -+_.":
            continue
        return -1
    return 0


def _set_str(p, attr, val):
    if getattr(p, attr) is not None:
        return ERR_DUP
    setattr(p, attr, val)
    return 0


def _set_yesno(p, attr, val):
    if getattr(p, attr):
        return ERR_DUP
    if val == "yes":
        setattr(p, attr, YES)
    elif val == "no":
        setattr(p, attr, NO)
    else:
        return ERR_INVAL
    return 0


def _set_ulong(p, attr, val):
    if getattr(p, attr) is not None:
        return ERR_DUP
    v = parse_ul(val)
    if v is None:
        return ERR_INVAL
    setattr(p, attr, v)
    return 0


def parse_features(p, val):
    # src/lib/config.c:parse_features(), src/lib/vzfeatures.c:find_feature()
    ret = 0
    for tok in [t for t in re.split(r"[\t ,]+", val) if t]:
        found = None
        for name, mask in FEATURES:
            if tok == name + ":on":
                found = (mask, True)
            elif tok == name + ":off":
                found = (mask, False)
        if found is None:
            logger(0, "Warning: Unknown feature: %s" % tok)
            ret = ERR_INVAL_SKIP
            continue
        if found[1]:
            p.features_mask |= found[0]
        p.features_known |= found[0]
    return ret


def parse_cap(p, val):
    # src/lib/config.c:parse_cap(), src/lib/cap.c:get_cap_mask()
    for tok in [t for t in re.split(r"[\t ,]+", val) if t]:
        i = tok.rfind(":")
        if i < 0 or tok[i + 1:] not in ("on", "off"):
            logger(-1, "Can't parse capability %s (expecting capname:on|off)" % tok)
            return ERR_INVAL
        name = tok[:i]
        idx = None
        for n, cn in enumerate(CAP_NAMES):
            if cn.lower() == name.lower():
                idx = n
                break
        if idx is None:
            logger(-1, "Capability %s is unknown" % name)
            return ERR_INVAL
        if tok[i + 1:] == "on":
            p.cap_on |= 1 << idx
        else:
            p.cap_off |= 1 << idx
    return 0


def parse_iptables(p, val):
    # src/lib/iptables.c:parse_iptables()
    ret = 0
    for tok in [t for t in re.split(r"[\t ,]+", val) if t]:
        ent = [x for x in IPTABLES if x[0] == tok]
        if not ent:
            logger(-1, "Warning: Unknown iptable module: %s, skipped" % tok)
            ret = ERR_INVAL_SKIP
            continue
        p.ipt_mask |= ent[0][2]
    return ret


def ipt_mask2str(mask):
    # src/lib/iptables.c:ipt_mask2str(): "name " for every id bit set
    return "".join("%s " % n for n, bit, m in IPTABLES if mask & (1 << bit))


def parse_ip(p, val, delete):
    # src/lib/config.c:parse_ip()
    lst = p.del_ip if delete else p.ip
    for tok in [t for t in re.split(r"[\t ]+", val) if t]:
        if delete and tok == "all":
            p.delall = YES
            continue
        if tok in ("0.0.0.0", "::", "::0"):
            continue
        dst = canon_ip(tok)
        if dst is None:
            return ERR_INVAL
        if not find_ip(lst, dst):
            lst.append(dst)
    return 0


def parse_devices_str(tok):
    # src/lib/config.c:parse_devices_str(): "%c:%d:%15[^:]:%5s"
    m = re.match(r"^(.):\s*([+-]?\d+):([^:]{1,15}):(\S{1,5})", tok)
    if not m:
        return None
    typ, major, minor, mode = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    if major == 7:                       # dev_major_denied(): loop devices
        return None
    if typ not in ("b", "c"):
        return None
    if minor != "all":
        minor = parse_int(minor)
        if minor is None:
            return None
    perms = parse_dev_perm(mode)
    if perms is None:
        return None
    return {"type": typ, "major": major, "minor": minor, "perms": perms, "name": None}


def parse_dev_perm(s):
    # src/lib/config.c:parse_dev_perm(); printed in r,w,q order (devperm2str)
    if s == "none":
        return ""
    out = set()
    for ch in s:
        if ch not in "rwq":
            return None
        out.add(ch)
    return "".join(c for c in "rwq" if c in out)


def dev_key(d):
    return (d["type"], d["major"], d["minor"], d["name"])


def parse_dev(p, val):
    for tok in [t for t in val.split(" ") if t]:
        d = parse_devices_str(tok)
        if d is None:
            return ERR_INVAL
        p.devs.append(d)
    return 0


def parse_devnodes(p, val):
    # src/lib/config.c:parse_devnodes_str(): stat(/dev/NAME) on the host
    for tok in [t for t in val.split(" ") if t]:
        i = tok.rfind(":")
        if i < 0:
            return ERR_INVAL
        name, mode = tok[:i], tok[i + 1:]
        path = "/dev/" + name
        try:
            st = os.stat(path)
        except OSError as ex:
            logger(-1, "Incorrect device name %s" % path, ex.errno)
            return ERR_INVAL
        import stat as _st
        if _st.S_ISCHR(st.st_mode):
            typ = "c"
        elif _st.S_ISBLK(st.st_mode):
            typ = "b"
        else:
            logger(-1, "The %s is not block or character device" % path)
            return ERR_INVAL
        if os.major(st.st_rdev) == 7:
            logger(-1, "Device %s is not allowed to be assigned to a CT" % name)
            return ERR_INVAL
        perms = parse_dev_perm(mode)
        if perms is None:
            return ERR_INVAL
        p.devs.append({"type": typ, "major": os.major(st.st_rdev),
                       "minor": os.minor(st.st_rdev), "perms": perms, "name": name})
    return 0


def parse_cpulimit(p, val):
    # src/lib/config.c:parse_cpulimit(): N, or N% (N <= 100) times host CPUs
    if p.cpulimit is not None:
        return ERR_DUP
    v, tail, erange = c_strtoul(val)
    v &= 0xffffffff
    if v >= 2 ** 31:
        v = (v - 2 ** 32) % (2 ** 64)   # (int) cast, then unsigned long
    if tail == "%":
        if v > 100:
            return ERR_INVAL
        v *= CTX.env.host_cpus
    elif tail != "" or erange:
        return ERR_INVAL
    p.cpulimit = v
    return 0


def parse_bitmap(val, nbits):
    if val == "all":
        return "all"
    bits = set()
    for part in val.split(","):
        m = re.match(r"^(\d+)(?:-(\d+))?$", part)
        if not m:
            return None
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if a > b or b >= nbits:
            return None
        bits.update(range(a, b + 1))
    if len(bits) == nbits:
        return "all"
    out, s = [], sorted(bits)
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[j] + 1:
            j += 1
        out.append(str(s[i]) if i == j else "%d-%d" % (s[i], s[j]))
        i = j + 1
    return ",".join(out)


def parse_netif_str(veid, s):
    """src/lib/config.c:parse_netif_str(): NETIF config value, one device."""
    d = {"ifname": "", "mac": None, "host_ifname": "", "host_mac": None,
         "bridge": "", "mac_filter": 0, "configure": 0}
    for part in s.split(","):
        for key in ("ifname", "host_ifname", "bridge"):
            if part.startswith(key + "=") and not d[key]:
                d[key] = part[len(key) + 1:]
        for key in ("mac", "host_mac"):
            if part.startswith(key + "="):
                m = parse_hwaddr(part[len(key) + 1:])
                if m is None:
                    return None
                d[key] = m
        if part.startswith("mac_filter="):
            v = part[len("mac_filter="):]
            if v == "on":
                d["mac_filter"] = YES
            elif v == "off":
                d["mac_filter"] = NO
            elif v:
                return None
    if not d["ifname"]:
        return None
    if not d["host_ifname"]:
        d["host_ifname"] = veth_host_name(veid, d["ifname"])
    if d["mac"] is None:
        d["mac"] = generate_mac(veid, d["host_ifname"])
    if d["host_mac"] is None:
        d["host_mac"] = d["mac"]
    return d


def parse_netif_str_cmd(veid, s):
    """src/lib/config.c:parse_netif_str_cmd():
    --netif_add ifname[,mac,host_ifname,host_mac,bridge]"""
    parts = s.split(",")
    name = parts[0]
    if len(name) + 1 > 16:
        return None
    d = {"ifname": name, "mac": None, "host_ifname": "", "host_mac": None,
         "bridge": "", "mac_filter": 0, "configure": 0}
    if len(parts) == 1:
        d["host_ifname"] = veth_host_name(veid, name)
        d["host_mac"] = generate_mac(veid, d["host_ifname"])
        d["mac"] = generate_mac(veid, name)
        return d
    if parts[1]:
        if len(parts[1]) != 17 or parse_hwaddr(parts[1]) is None:
            logger(-1, "Invalid container MAC address %s" %
                   ("length" if len(parts[1]) != 17 else "format"))
            return None
        d["mac"] = parse_hwaddr(parts[1])
    else:
        d["mac"] = generate_mac(veid, name)
    if len(parts) == 2:
        d["host_ifname"] = veth_host_name(veid, name)
        d["host_mac"] = d["mac"]
        return d
    if parts[2]:
        if len(parts[2]) + 1 > 16:
            return None
        d["host_ifname"] = parts[2]
        if len(parts) == 3:
            d["host_mac"] = d["mac"]
            return d
    else:
        d["host_ifname"] = veth_host_name(veid, name)
    if len(parts) > 3 and parts[3]:
        if len(parts[3]) != 17 or parse_hwaddr(parts[3]) is None:
            logger(-1, "Invalid host MAC address")
            return None
        d["host_mac"] = parse_hwaddr(parts[3])
        if len(parts) == 4:
            return d
    else:
        d["host_mac"] = generate_mac(veid, d["host_ifname"])
    bridge = ",".join(parts[4:]) if len(parts) > 4 else ""
    if len(bridge) + 1 > 16:
        return None
    d["bridge"] = bridge
    return d


def _configure_dev(p):
    for d in p.veth:
        if d.get("configure"):
            return d
    d = {"ifname": "", "mac": None, "host_ifname": "", "host_mac": None,
         "bridge": "", "mac_filter": 0, "configure": 1}
    p.veth.append(d)
    return d


def parse(veid, p, pid, val):
    """src/lib/config.c:parse(); pid is the config key name or an option id."""
    if pid in ("CONFIG", "CONFIGFILE"):
        return _set_str(p, "config", val)
    if pid == "ORIGIN_SAMPLE":
        return _set_str(p, "origin_sample", val)
    if pid == "SAVE":
        p.save = YES
        return 0
    if pid == "FORCE":
        p.save_force = YES
        return 0
    if pid == "RESET_UB":
        p.reset_ub = YES
        return 0
    if pid == "ONBOOT":
        return _set_yesno(p, "onboot", val)
    if pid == "DISABLED":
        return _set_yesno(p, "start_disabled", val)
    if pid == "HOSTNAME":
        return _set_str(p, "hostname", val)
    if pid == "DESCRIPTION":
        return _set_str(p, "description", val)
    if pid == "NAMESERVER":
        add_str2list(p.nameserver, val)
        return 0
    if pid == "SEARCHDOMAIN":
        add_str2list(p.searchdomain, val)
        return 0
    if pid == "USERPW":
        add_str2list(p.userpw, val)
        return 0
    if pid == "APPLYCONFIG_MAP":
        if val != "name":
            return ERR_INVAL
        p.apply_cfg_map = 1
        return 0
    if pid == "APPLYCONFIG":
        return _set_str(p, "apply_cfg", val)
    if pid == "SETMODE":
        if val == "ignore":
            p.setmode = SET_IGNORE
        elif val == "restart":
            p.setmode = SET_RESTART
        else:
            return ERR_INVAL
        return 0
    if pid in ("LOGFILE", "LOGGING", "LOG_LEVEL", "IGNORED"):
        return 0
    if pid == "LOCKDIR":
        return _set_str(p, "lockdir", val)
    if pid == "DUMPDIR":
        return _set_str(p, "dumpdir", val)
    if pid == "VERBOSE":
        if p.log_verbose is not None:
            return ERR_DUP
        v = parse_int(val)
        if v is None:
            return ERR_INVAL
        p.log_verbose = v
        return 0
    if pid == "IPTABLES":
        return parse_iptables(p, val)
    if pid == "NETFILTER":
        for n, i in NETFILTER:
            if n == val:
                p.nf_mask = i
                return 0
        logger(-1, "Incorrect netfilter value: %s" % val)
        return ERR_INVAL
    if pid in ("LOCAL_UID", "LOCAL_GID"):
        _set_ulong(p, pid.lower(), val)
        return 0
    if pid.lower() in UB_ALL:
        name = pid.lower()
        div = PAGE_SIZE if name in UB_PAGES else (0 if name in UB_ITEMS else 1)
        ret, v = parse_twoul_sfx(val, div, 1)
        if ret and ret != ERR_LONG_TRUNC:
            return ret
        p.ub[name] = v
        return ret
    if pid in ("RAM", "SWAP"):
        # src/lib/config.c:parse_vswap(): bytes (suffix allowed) -> pages,
        # stored as 0:limit
        r = parse_ul_sfx(val, 1, 1)
        if r is None or r[1] != "":
            return ERR_INVAL
        ret = 0
        pages = (r[0] + PAGE_SIZE - 1) // PAGE_SIZE
        if pages > LONG_MAX:
            pages, ret = LONG_MAX, ERR_LONG_TRUNC
        p.ub["physpages" if pid == "RAM" else "swappages"] = [0, pages]
        return ret
    if pid == "VM_OVERCOMMIT":
        if p.vm_overcommit is not None:
            return ERR_DUP
        m = _float_re.match(val)
        if not m:
            return ERR_INVAL
        p.vm_overcommit = float(m.group(0))
        return 0
    if pid == "CAPABILITY":
        return parse_cap(p, val)
    if pid == "IP_ADDRESS":
        return parse_ip(p, val, False)
    if pid == "IP_DEL":
        return parse_ip(p, val, True)
    if pid == "SKIPARPDETECT":
        p.skip_arpdetect = YES
        return 0
    if pid == "IPV6":
        return _set_yesno(p, "ipv6_net", val)
    if pid in ("NETDEV", "NETDEV_DEL"):
        lst = p.netdev if pid == "NETDEV" else p.del_netdev
        for tok in [t for t in re.split(r"[\t ]+", val) if t]:
            if re.match(r"^(venet|tun|tap|lo)", tok):     # check_netdev()
                return ERR_INVAL
            lst.append(tok)
        return 0
    if pid == "VE_ROOT":
        r = _set_str(p, "root_orig", val)
        if not r:
            p.root = subst_veid(veid, val)
        return r
    if pid == "VE_PRIVATE":
        r = _set_str(p, "private_orig", val)
        if not r:
            p.private = subst_veid(veid, val)
        return r
    if pid == "TEMPLATE":
        return _set_str(p, "tmpl_dir", val)
    if pid == "VE_LAYOUT":
        # src/lib/config.c:parse_ve_layout()
        if val == "simfs":
            p.layout = LAYOUT_SIMFS
        elif val == "ploop":
            p.layout, p.layout_mode = LAYOUT_PLOOP, -1
        elif val.startswith("ploop:") and val[6:] in ("expanded", "plain", "raw"):
            p.layout = LAYOUT_PLOOP
            p.layout_mode = ["expanded", "plain", "raw"].index(val[6:])
        else:
            return ERR_INVAL
        return 0
    if pid == "DEF_OSTEMPLATE":
        return _set_str(p, "def_ostmpl", val)
    if pid == "OSTEMPLATE":
        return _set_str(p, "ostmpl", val)
    if pid == "DISK_QUOTA":
        return _set_yesno(p, "dq_enable", val)
    if pid in ("DISKSPACE", "DISKINODES"):
        attr = pid.lower()
        if getattr(p, attr) is not None:
            return ERR_DUP
        ret, v = parse_twoul_sfx(val, 1024 if pid == "DISKSPACE" else 1, 0)
        if ret:
            return ERR_INVAL
        setattr(p, attr, v)
        return 0
    if pid == "QUOTATIME":
        return _set_ulong(p, "quotatime", val)
    if pid == "QUOTAUGIDLIMIT":
        return _set_ulong(p, "ugidlimit", val)
    if pid == "OFFLINE_RESIZE":
        p.offline_resize = YES
        return 0
    if pid == "DEVICES":
        return parse_dev(p, val)
    if pid == "DEVNODES":
        return parse_devnodes(p, val)
    if pid in ("PCI", "PCI_DEL"):
        lst = p.pci if pid == "PCI" else p.del_pci
        for tok in [t for t in val.split(" ") if t]:
            m = re.match(r"^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.(\d+)$", tok)
            if m:
                dom, bus, slot, fn = (int(m.group(1), 16), int(m.group(2), 16),
                                      int(m.group(3), 16), int(m.group(4)))
            else:
                m = re.match(r"^([0-9a-fA-F]+):([0-9a-fA-F]+)\.(\d+)$", tok)
                if not m:
                    return ERR_INVAL
                dom, bus, slot, fn = 0, int(m.group(1), 16), int(m.group(2), 16), \
                    int(m.group(3))
            s = "%04x:%02x:%02x.%d" % (dom, bus, slot, fn)
            if s not in lst:
                lst.append(s)
        return 0
    if pid == "CPUUNITS":
        r = _set_ulong(p, "cpuunits", val)
        if r:
            return r
        if p.cpuunits < MINCPUUNITS or p.cpuunits > MAXCPUUNITS:
            p.cpuunits = None
            return ERR_INVAL
        return 0
    if pid == "CPUUWEIGHT":
        return _set_ulong(p, "cpuweight", val)
    if pid == "CPULIMIT":
        return parse_cpulimit(p, val)
    if pid == "CPUS":
        return _set_ulong(p, "vcpus", val)
    if pid in ("CPUMASK", "NODEMASK"):
        if pid == "CPUMASK" and val == "auto":
            p.cpumask_auto = 1
            return 0
        attr = pid.lower()
        if getattr(p, attr) is not None:
            return ERR_DUP
        v = parse_bitmap(val, 4096 if pid == "CPUMASK" else 1024)
        if v is None:
            return ERR_INVAL
        setattr(p, attr, v)
        return 0
    if pid == "MEMINFO":
        # src/lib/config.c:parse_meminfo()
        if val == "":
            return 0
        m = re.match(r"^([^:]{1,31})(?::(\d+))?$", val)
        if not m or m.group(1) not in ("none", "pages", "privvmpages"):
            return ERR_INVAL
        if (m.group(1) == "none") != (m.group(2) is None):
            return ERR_INVAL
        if m.group(2) is not None and int(m.group(2)) == 0:
            return ERR_INVAL
        p.meminfo = val
        return 0
    if pid == "VETH":
        logger(0, "Warning: VETH parameter is deprecated, remove it and use "
                  "--netif_add instead")
        return 0
    if pid == "NETIF":
        if p.veth:
            return ERR_DUP
        for tok in [t for t in val.split(";") if t]:
            d = parse_netif_str(veid, tok)
            if d is None:
                return ERR_INVAL
            if not [x for x in p.veth if x["ifname"] == d["ifname"]]:
                p.veth.append(d)
        return 0
    if pid == "NETIF_ADD_CMD":
        for tok in [t for t in val.split(" ") if t]:
            d = parse_netif_str_cmd(veid, tok)
            if d is None:
                return ERR_INVAL
            p.veth.append(d)
        return 0
    if pid == "NETIF_DEL_CMD":
        if len(val) > 16:
            return ERR_INVAL
        if val == "all":
            p.veth_delall = YES
            return 0
        if not [x for x in p.del_veth if x["ifname"] == val]:
            p.del_veth.append({"ifname": val, "mac": None, "host_ifname": "",
                               "host_mac": None, "bridge": "", "mac_filter": 0,
                               "configure": 0})
        return 0
    if pid in ("NETIF_IFNAME", "NETIF_MAC", "NETIF_HOST_IFNAME", "NETIF_HOST_MAC",
               "NETIF_MAC_FILTER", "NETIF_BRIDGE"):
        # src/lib/config.c:add_netif_param()
        d = _configure_dev(p)
        if pid == "NETIF_IFNAME":
            if d["ifname"]:
                logger(-1, "Multiple use of --ifname option not allowed")
                return ERR_INVAL
            if len(val) > 16:
                return ERR_INVAL
            d["ifname"] = val
        elif pid in ("NETIF_MAC", "NETIF_HOST_MAC"):
            m = parse_hwaddr(val)
            if m is None:
                return ERR_INVAL
            d["mac" if pid == "NETIF_MAC" else "host_mac"] = m
        elif pid == "NETIF_HOST_IFNAME":
            if len(val) > 16:
                return ERR_INVAL
            d["host_ifname"] = val
        elif pid == "NETIF_MAC_FILTER":
            if val not in ("on", "off"):
                return ERR_INVAL
            d["mac_filter"] = YES if val == "on" else NO
        else:
            if d["bridge"]:
                logger(-1, "Multiple use of --bridge option not allowed")
                return ERR_INVAL
            if len(val) > 16:
                return ERR_INVAL
            d["bridge"] = val
        return 0
    if pid == "NAME":
        if p.name is not None:
            return ERR_DUP
        if check_name(val):
            return ERR_INVAL
        p.name = val
        return 0
    if pid == "VEID":
        v = parse_int(val)
        if v is None:
            return ERR_INVAL
        p.name_veid = v
        return 0
    if pid == "FEATURES":
        return parse_features(p, val)
    if pid == "IOPRIO":
        v = parse_int(val)
        if v is None or v < 0 or v > 7:
            p.ioprio = -1
            return ERR_INVAL
        p.ioprio = v
        return 0
    if pid in ("IOLIMIT", "IOLIMIT_MB"):
        # src/lib/config.c:parse_iolimit(): MB/s from the command line
        if val == "unlimited":
            p.iolimit = 0
            return 0
        v, tail, erange = c_strtoul(val)
        if erange:
            p.iolimit = -1
            return ERR_INVAL
        ret = 0
        if v > INT_MAX:
            v, ret = INT_MAX, ERR_LONG_TRUNC
        if tail:
            n = get_mul(tail[0])
            if n < 0 or tail[1:]:
                p.iolimit = -1
                return ERR_INVAL
            v *= n
        else:
            v *= 1024 * 1024 if pid == "IOLIMIT_MB" else 1
        if v > INT_MAX:
            v, ret = INT_MAX, ERR_LONG_TRUNC
        p.iolimit = v
        return ret
    if pid == "IOPSLIMIT":
        v = parse_int(val)
        if v is None or v < 0:
            p.iopslimit = -1
            return ERR_INVAL
        p.iopslimit = v
        return 0
    if pid == "BOOTORDER":
        return _set_ulong(p, "bootorder", val)
    if pid == "MOUNT_OPTS":
        return _set_str(p, "mount_opts", val)
    if pid == "STOP_TIMEOUT":
        if p.stop_timeout != -1:
            return ERR_DUP
        v = parse_int(val)
        if v is None or v < 0:
            return ERR_INVAL
        p.stop_timeout = v
        return 0
    if pid == "NOATIME":
        # VZ7: src/config.c {"NOATIME", ..., YESNO}
        return _set_yesno(p, "noatime", val)
    return 0


# Config keys known to vzctl 4.11, src/lib/config.c:config[] (aliases mapped)
CONFIG_KEYS = [
    "LOCKDIR", "DUMPDIR", "LOGGING", "LOG_LEVEL", "LOGFILE", "VERBOSE", "IPTABLES",
    "NETFILTER"] + [n.upper() for n in UBC_STORE_ORDER] + [
    "CAPABILITY", "IP_ADDRESS", "NETDEV", "HOSTNAME", "DESCRIPTION", "NAMESERVER",
    "IPV6", "SEARCHDOMAIN", "DEVICES", "DEVNODES", "PCI", "VE_ROOT", "VE_PRIVATE",
    "TEMPLATE", "MOUNT_OPTS", "VE_LAYOUT", "OSTEMPLATE", "DEF_OSTEMPLATE", "CPUUNITS",
    "CPUUWEIGHT", "CPULIMIT", "CPUS", "CPUMASK", "NODEMASK", "ONBOOT", "CONFIGFILE",
    "ORIGIN_SAMPLE", "DISABLED", "LOCAL_UID", "LOCAL_GID", "DISK_QUOTA", "DISKSPACE",
    "DISKINODES", "QUOTATIME", "QUOTAUGIDLIMIT", "MEMINFO", "VETH", "NETIF", "VEID",
    "NAME", "FEATURES", "IOPRIO", "IOLIMIT", "IOPSLIMIT", "BOOTORDER", "STOP_TIMEOUT",
    "VM_OVERCOMMIT"]
CONFIG_ALIASES = {"DCACHE": "DCACHESIZE", "IPTENTRIES": "NUMIPTENT"}
CONFIG_IGNORED = ["VIRTUOZZO", "VE0CPUUNITS", "VZFASTBOOT", "NEIGHBOUR_DEVS",
                  "ERROR_ON_ARPFAIL", "VZWDOG", "IPTABLES_MODULES", "IP6TABLES",
                  "CONFIG_CUSTOMIZED", "VE_STOP_MODE", "SKIP_SYSCTL_SETUP",
                  "SKIP_ARPDETECT", "VE_PARALLEL"]


def parse_line(line):
    """src/lib/util.c:parse_line(): returns (key, value, err)."""
    # unescapestr(): backslash escapes the next character
    out, esc = [], False
    for ch in line:
        if ch == "\\" and not esc:
            esc = True
            continue
        out.append(ch)
        esc = False
    s = "".join(out).lstrip()
    if not s or s[0] == "#":
        return None, None, None
    s = s.rstrip()
    if "=" not in s:
        return None, None, "'=' not found"
    key, rest = s.split("=", 1)
    if len(key) >= 4096:
        return None, None, "too long value"
    if not rest.startswith('"'):
        return key, rest, None
    rest = rest[1:]
    j = rest.rfind('"')
    if j < 0:
        return None, None, "unmatched quotes"
    return key, rest[:j], None


def vps_parse_config(veid, path, p, text=None):
    """src/lib/config.c:vps_parse_config(); returns 0 or an error code."""
    if text is None:
        try:
            with open(path, "r") as f:
                text = f.read()
        except IOError as ex:
            logger(-1, "Unable to open %s" % path, ex.errno)
            return VZ_SYSTEM_ERROR
    keys = set(CONFIG_KEYS)
    if CTX.env.vz7:
        keys.add("NOATIME")
    for n, line in enumerate(text.splitlines(), 1):
        key, val, err = parse_line(line)
        if key is None:
            if err is not None:
                logger(-1, "Warning: can't parse %s:%d (%s), skipping" % (path, n, err))
            continue
        k = CONFIG_ALIASES.get(key, key)
        if k in CONFIG_IGNORED:
            continue
        if k not in keys:
            logger(1, 'Warning at %s:%d: unknown parameter %s ("%s"), ignored'
                   % (path, n, key, val))
            continue
        ret = parse(veid, p, k, val)
        if ret in (0, ERR_INVAL_SKIP):
            continue
        if ret == ERR_LONG_TRUNC:
            logger(-1, 'Warning at %s:%d: too large value for %s ("%s"), truncated'
                   % (path, n, key, val))
        elif ret == ERR_DUP:
            logger(-1, 'Warning at %s:%d: duplicate for %s ("%s"), ignored'
                   % (path, n, key, val))
        elif ret == ERR_INVAL:
            logger(-1, 'Warning at %s:%d: invalid value for %s ("%s"), skipped'
                   % (path, n, key, val))
    return 0


# --------------------------------------------------------------------------
# store(): src/lib/config.c:store() and the store_* helpers
# --------------------------------------------------------------------------
def build_cap_str(new, old, delim):
    # src/lib/cap.c:build_cap_str()
    out = []
    for i, n in enumerate(CAP_NAMES):
        b = 1 << i
        if new.cap_on & b:
            op = "on"
        elif new.cap_off & b:
            op = "off"
        elif old is None:
            continue
        elif old.cap_on & b:
            op = "on"
        elif old.cap_off & b:
            op = "off"
        else:
            continue
        out.append("%s:%s" % (n, op))
    return delim.join(out)


def features_mask2str(mask, known, delim):
    # src/lib/vzfeatures.c:features_mask2str()
    return delim.join("%s:%s" % (n, "on" if mask & m else "off")
                      for n, m in FEATURES if known & m)


def dev_str(d):
    if d["minor"] == "all":
        return "%s:%d:all:%s " % (d["type"], d["major"], d["perms"])
    return "%s:%d:%d:%s " % (d["type"], d["major"], d["minor"], d["perms"])


def store_devices(old, new, named):
    # src/lib/config.c:store_dev() / store_devnodes()
    odev = [d for d in old.devs]
    ndev = [d for d in new.devs]
    if not odev and not ndev:
        return None
    parts = []
    for d in odev:
        if bool(d["name"]) != named or not d["perms"]:
            continue
        if named:
            if [x for x in ndev if x["name"] and x["name"] == d["name"]]:
                continue
        elif [x for x in ndev if (x["type"], x["major"], x["minor"]) ==
              (d["type"], d["major"], d["minor"]) and not x["name"]]:
            continue
        parts.append(d)
    for d in ndev:
        if bool(d["name"]) != named or not d["perms"]:
            continue
        parts.append(d)
    key = "DEVNODES" if named else "DEVICES"
    if parts:
        if named:
            return '%s="%s"' % (key, "".join("%s:%s " % (d["name"], d["perms"])
                                             for d in parts))
        return '%s="%s"' % (key, "".join(dev_str(d) for d in parts))
    if odev and ndev:
        return '%s=""' % key
    return None          # C adds an empty string line; it matches nothing


def merge_veth_list(old, add, dele):
    # src/lib/veth.c:merge_veth_list()
    out = []
    for d in old:
        if [x for x in dele if x["ifname"] == d["ifname"]]:
            continue
        t = [x for x in add if x["ifname"] == d["ifname"]]
        if t:
            m = dict(d)
            for k, v in t[0].items():
                if v:
                    m[k] = v
            out.append(m)
            continue
        out.append(d)
    for d in add:
        if not [x for x in old if x["ifname"] == d["ifname"]]:
            out.append(d)
    return out


def netif_str(devs):
    items = []
    for d in devs:
        f = []
        if d.get("ifname"):
            f.append("ifname=%s" % d["ifname"])
        if d.get("bridge"):
            f.append("bridge=%s" % d["bridge"])
        if d.get("mac"):
            f.append("mac=%s" % d["mac"])
        if d.get("host_ifname"):
            f.append("host_ifname=%s" % d["host_ifname"])
        if d.get("host_mac"):
            f.append("host_mac=%s" % d["host_mac"])
        if d.get("mac_filter"):
            f.append("mac_filter=%s" % ("on" if d["mac_filter"] == YES else "off"))
        items.append(",".join(f))
    return ";".join(items)


def _fmt_float(v):
    return "%g" % v


def store(old, new, vz7=False):
    """Lines KEY="value" produced by src/lib/config.c:store() for new_p."""
    out = []
    # store_ub()
    for n in UBC_STORE_ORDER:
        if n in new.ub:
            out.append('%s="%s"' % (n.upper(), ubcstr(*new.ub[n])))
    if new.vm_overcommit:
        out.append('VM_OVERCOMMIT="%s"' % _fmt_float(new.vm_overcommit))

    def s(key, val):
        if val is not None:
            out.append('%s="%s"' % (key, val))

    def yn(key, val):
        if val:
            s(key, "yes" if val == YES else "no")

    # table order of src/lib/config.c:config[]
    if new.ipt_mask:
        s("IPTABLES", ipt_mask2str(new.ipt_mask))
    if new.nf_mask:
        s("NETFILTER", netfilter_mask2str(new.nf_mask))
    if new.cap_on or new.cap_off:
        s("CAPABILITY", build_cap_str(new, old, " "))
    if new.delall or new.ip or new.del_ip:
        merged = merge_str_list(new.delall, old.ip, new.ip, new.del_ip, find_ip)
        s("IP_ADDRESS", " ".join(merged or []))
    if new.netdev or new.del_netdev:
        s("NETDEV", " ".join(merge_str_list(0, old.netdev, new.netdev,
                                            new.del_netdev) or []))
    s("HOSTNAME", new.hostname)
    s("DESCRIPTION", new.description)
    if new.nameserver:
        s("NAMESERVER", " ".join(new.nameserver))
    if new.searchdomain:
        s("SEARCHDOMAIN", " ".join(new.searchdomain))
    for named in (False, True):
        line = store_devices(old, new, named)
        if line:
            out.append(line)
    if new.pci or new.del_pci:
        s("PCI", " ".join(merge_str_list(0, old.pci, new.pci, new.del_pci) or []))
    s("VE_ROOT", new.root_orig)
    s("VE_PRIVATE", new.private_orig)
    s("MOUNT_OPTS", new.mount_opts)
    layout = new.layout or old.layout
    if layout:
        s("VE_LAYOUT", "ploop" if layout == LAYOUT_PLOOP else "simfs")
    s("OSTEMPLATE", new.ostmpl)
    s("CPUUNITS", new.cpuunits)
    s("CPUUWEIGHT", new.cpuweight)      # sic: key spelled so in config[]
    s("CPULIMIT", new.cpulimit)
    s("CPUS", new.vcpus)
    if new.cpumask_auto:
        s("CPUMASK", "auto")
    else:
        s("CPUMASK", new.cpumask)
    s("NODEMASK", new.nodemask)
    yn("ONBOOT", new.onboot)
    s("ORIGIN_SAMPLE", new.origin_sample)
    yn("DISABLED", new.start_disabled)
    if new.local_uid is not None:
        s("LOCAL_UID", new.local_uid)
    if new.local_gid is not None:
        s("LOCAL_GID", new.local_gid)
    yn("DISK_QUOTA", new.dq_enable)
    if new.diskspace is not None:
        s("DISKSPACE", "%d:%d" % tuple(new.diskspace))
    if new.diskinodes is not None:
        s("DISKINODES", "%d:%d" % tuple(new.diskinodes))
    s("QUOTATIME", new.quotatime)
    s("QUOTAUGIDLIMIT", new.ugidlimit)
    s("MEMINFO", new.meminfo)
    if new.veth or new.del_veth or new.veth_delall:
        merged = merge_veth_list([] if new.veth_delall else old.veth,
                                 [d for d in new.veth if not d.get("configure")] +
                                 [d for d in new.veth if d.get("configure")],
                                 new.del_veth)
        s("NETIF", netif_str(merged))
    if new.name_veid > 0:
        s("VEID", new.name_veid)
    s("NAME", new.name)
    if new.features_known:
        mask = (new.features_mask & new.features_known) | \
               (old.features_mask & ~new.features_known)
        s("FEATURES", features_mask2str(mask, old.features_known | new.features_known,
                                        " "))
    if new.ioprio >= 0:
        s("IOPRIO", new.ioprio)
    if new.iolimit >= 0:
        s("IOLIMIT", new.iolimit)
    if new.iopslimit >= 0:
        s("IOPSLIMIT", new.iopslimit)
    s("BOOTORDER", new.bootorder)
    if new.stop_timeout >= 0:
        s("STOP_TIMEOUT", new.stop_timeout)
    if vz7:
        yn("NOATIME", new.noatime)
    return out


def vps_save_config(path, new, old, quiet_nochange=False):
    """src/lib/config.c:vps_save_config() + vps_merge_conf() + write_conf():
    a line KEY=... already in the file is replaced in place, other KEYs are
    appended; every other line of the file is kept as it is."""
    lines = []
    if os.path.exists(path):
        with open(path, "r") as f:
            lines = f.read().splitlines()
    new_lines = store(old, new, CTX.env.vz7)
    if not new_lines:
        logger(0, "No changes in CT configuration, not saving")
        return 0
    for nl in new_lines:
        key = nl.split("=", 1)[0]
        for i, l in enumerate(lines):
            if l.startswith(key + "="):
                lines[i] = nl
                break
        else:
            lines.append(nl)
    real = os.path.realpath(path)
    _write_atomic(real, "\n".join(lines) + "\n")
    logger(0, "CT configuration saved to %s" % path)
    return 0


# --------------------------------------------------------------------------
# Simulated kernel state: $VZSIM_ROOT/run/CTID.json
# --------------------------------------------------------------------------
class Ctx(object):
    env = None


CTX = Ctx()


def run_path(veid):
    return os.path.join(CTX.env.run_dir, "%d.json" % veid)


def read_state(veid):
    try:
        with open(run_path(veid)) as f:
            return json.load(f)
    except (IOError, ValueError):
        return None


def write_state(veid, st):
    if st is None:
        try:
            os.unlink(run_path(veid))
        except OSError:
            pass
        return
    _write_atomic(run_path(veid), json.dumps(st, sort_keys=True))


def is_running(veid):
    st = read_state(veid)
    return bool(st and st.get("running"))


def is_mounted(veid):
    st = read_state(veid)
    return bool(st and (st.get("mounted") or st.get("running")))


def all_states():
    out = {}
    try:
        names = os.listdir(CTX.env.run_dir)
    except OSError:
        return out
    for n in names:
        m = re.match(r"^(\d+)\.json$", n)
        if m:
            st = read_state(int(m.group(1)))
            if st:
                out[int(m.group(1))] = st
    return out


def conf_path(veid):
    # src/lib/util.c:get_vps_conf_path()
    return os.path.join(CTX.env.conf_dir, "%d.conf" % veid)


def get_veid_by_name(name):
    """src/lib/config.c:get_veid_by_name(): $VENAME_DIR/NAME -> .../CTID.conf"""
    if name is None or "/" in name:
        return -1
    path = os.path.join(CTX.env.names_dir, name)
    if not os.path.exists(path):
        return -1
    try:
        content = os.readlink(path)
    except OSError:
        return -1
    m = re.match(r"^\s*([+-]?\d+)", os.path.basename(content))
    return int(m.group(1)) if m else -1


def global_param(veid):
    g = Param()
    vps_parse_config(veid, CTX.env.global_cfg, g)
    return g


def load_ct(veid):
    """(vps_p, exists)"""
    p = Param()
    path = conf_path(veid)
    if os.path.exists(path):
        vps_parse_config(veid, path, p)
        return p, True
    return p, False


def pw_hash(user, password):
    return hashlib.sha256(("vzsim:%s:%s" % (user, password)).encode(
        "utf-8", "surrogateescape")).hexdigest()


# --------------------------------------------------------------------------
# GNU getopt_long() emulation (glibc >= 2.26 messages), permuting mode:
# non-option arguments are collected and returned at the end.
# --------------------------------------------------------------------------
class GetoptError(object):
    pass


def getopt_long(prog, args, shortopts, longopts, positionals):
    """Generator of (name_or_char, arg) tuples, or GetoptError() after the
    error message has been printed to stderr.  longopts: list of
    (name, has_arg) with has_arg 0/1, or (name, has_arg, val) where options
    with the same val are aliases (not ambiguous).  Non-option arguments are
    appended to `positionals`."""
    sopts = {}
    i = 0
    while i < len(shortopts):
        c = shortopts[i]
        req = i + 1 < len(shortopts) and shortopts[i + 1] == ":"
        sopts[c] = req
        i += 2 if req else 1
    lopts = [(o[0], o[1], o[2] if len(o) > 2 else o[0]) for o in longopts]
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            positionals.extend(args[i:])
            return
        if a.startswith("--"):
            body = a[2:]
            nm, eq, val = body.partition("=")
            exact = [o for o in lopts if o[0] == nm]
            if exact:
                found = exact[0]
            else:
                cands = [o for o in lopts if o[0].startswith(nm)] if nm else []
                if not cands:
                    err_print("%s: unrecognized option '--%s'\n" % (prog, body))
                    yield GetoptError()
                    continue
                if len(set((o[1], o[2]) for o in cands)) > 1:
                    err_print("%s: option '--%s' is ambiguous; possibilities:%s\n"
                              % (prog, nm, "".join(" '--%s'" % o[0] for o in cands)))
                    yield GetoptError()
                    continue
                found = cands[0]
            name, has_arg = found[0], found[1]
            if eq:
                if not has_arg:
                    err_print("%s: option '--%s' doesn't allow an argument\n"
                              % (prog, name))
                    yield GetoptError()
                    continue
                yield (name, val)
            elif has_arg:
                if i < len(args):
                    i += 1
                    yield (name, args[i - 1])
                else:
                    err_print("%s: option '--%s' requires an argument\n" % (prog, name))
                    yield GetoptError()
            else:
                yield (name, None)
            continue
        if a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                j += 1
                if c not in sopts or c == ":":
                    err_print("%s: invalid option -- '%s'\n" % (prog, c))
                    yield GetoptError()
                    continue
                if sopts[c]:
                    if j < len(a):
                        yield (c, a[j:])
                    elif i < len(args):
                        i += 1
                        yield (c, args[i - 1])
                    else:
                        err_print("%s: option requires an argument -- '%s'\n"
                                  % (prog, c))
                        yield GetoptError()
                    break
                yield (c, None)
            continue
        positionals.append(a)
