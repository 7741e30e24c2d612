#!/usr/bin/env python3
"""A real SMTP server for the test suite (aiosmtpd from PyPI): it accepts mail on loopback and
writes each message to DIR as NNNN.eml, so tests read exactly what a mailbox would receive.

    mailsink.py DIR [--refuse-first N]

Prints the port it listens on as the first line of standard output, then runs until killed or
until its standard input closes (so it never outlives the test that started it). With
--refuse-first N it answers the first N messages with a temporary failure (451), to exercise
retries.
"""
import argparse
import asyncio
import itertools
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse_first):
        self.directory = directory
        self.refuse_left = refuse_first
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_left > 0:
                self.refuse_left -= 1
                return "451 4.3.0 try again later (test refusal)"
            n = next(self.counter)
        path = os.path.join(self.directory, f"{n:04d}.eml")
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, path)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--refuse-first", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    port = free_port()
    controller = Controller(Sink(args.directory, args.refuse_first), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    try:
        sys.stdin.read()  # returns when the parent goes away
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
