# Sourced by the scripts that bind a loopback replica group.
# free_base_port: a base port B with B ... B + 301 free on 127.0.0.1, below the kernel's
# ephemeral range (32768 and up), where outgoing connections would take ports at random.
free_base_port() {
  python3 - <<'PY'
import random, socket
bases = list(range(20000, 32400, 400))
random.shuffle(bases)
for base in bases:
    sockets = []
    try:
        for port in range(base, base + 302):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", port)); sockets.append(s)
    except OSError:
        continue
    finally:
        for s in sockets: s.close()
    print(base); break
else:
    raise SystemExit("no free range of 302 ports between 20000 and 32700")
PY
}

