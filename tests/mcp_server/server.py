"""A small, deterministic MCP server for the tests (stdio transport).

The Letta server spawns it (stdio is the only transport Letta 0.16.8 accepts for a server on
this machine: it refuses SSE and streamable-HTTP URLs on loopback and private addresses).

Tool set "v1" (default): `shout(text)`, `add(a, b)`; `--prefix P` names them `Pshout`, `Padd`.
Tool set "v2" (`--toolset v2` or CANARY_MCP_TOOLSET=v2): the same plus `multiply(a, b)`, and
`shout` gains an `exclaim` parameter -- a changed server definition that changes what the
server offers, so a test can show the change end to end.
"""

import argparse
import os

from mcp.server.fastmcp import FastMCP


def build(toolset: str, prefix: str) -> FastMCP:
    server = FastMCP("fleet-canary-test")
    # Tool names are unique per organisation on a Letta server (a second MCP server offering
    # the same name takes the tool row over), so each test run names its tools apart.
    
    if toolset == "v2":

        @server.tool(name=prefix + "shout")
        def shout(text: str, exclaim: bool = True) -> str:
            """Return the text in upper case, with an exclamation mark when asked.

            Args:
                text: The text to shout.
                exclaim: Whether to end with an exclamation mark.
            """
            return text.upper() + ("!" if exclaim else "")

        @server.tool(name=prefix + "multiply")
        def multiply(a: int, b: int) -> int:
            """Multiply two integers.

            Args:
                a: The first factor.
                b: The second factor.
            """
            return a * b

    else:

        @server.tool(name=prefix + "shout")
        def shout(text: str) -> str:
            """Return the text in upper case.

            Args:
                text: The text to shout.
            """
            return text.upper()

    @server.tool(name=prefix + "add")
    def add(a: int, b: int) -> int:
        """Add two integers.

        Args:
            a: The first addend.
            b: The second addend.
        """
        return a + b

    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--toolset", default=os.environ.get("CANARY_MCP_TOOLSET", "v1"), choices=["v1", "v2"])
    parser.add_argument("--prefix", default=os.environ.get("CANARY_MCP_PREFIX", ""), help="prepended to every tool name")
    args = parser.parse_args()
    build(args.toolset, args.prefix).run("stdio")


if __name__ == "__main__":
    main()
