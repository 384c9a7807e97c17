"""The operator's pool of static IPs: CIDRs and first-last ranges, read from one setting."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from itertools import pairwise

IPAddress = IPv4Address | IPv6Address

# Documentation addresses (RFC 5737): the demo's static IPs, never production's unless set.
DEMO_STATIC_IP_POOL_TEXT = "198.51.100.10-198.51.100.250"


@dataclass(frozen=True, slots=True)
class StaticIpPool:
    """Inclusive (first, last) ranges, sorted and disjoint. Empty: no static IP is offered."""

    ranges: tuple[tuple[IPAddress, IPAddress], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, address: object) -> bool:
        try:
            ip = ip_address(str(address))
        except ValueError:
            return False
        return any(
            first.version == ip.version and first <= ip <= last  # type: ignore[operator]
            for first, last in self.ranges
        )

    def addresses(self) -> Iterator[str]:
        """Every address of the pool in order, produced as asked (a /16 is not listed whole)."""
        for first, last in self.ranges:
            for number in range(int(first), int(last) + 1):
                yield str(IPv4Address(number) if first.version == 4 else IPv6Address(number))


def parse_static_ip_pool(text: str) -> StaticIpPool:
    """``"203.0.113.16/28,10.20.0.5-10.20.0.50"``: a CIDR gives its hosts (not its network and
    broadcast addresses). Raises ValueError naming the part that is malformed or overlaps."""
    ranges: list[tuple[IPAddress, IPAddress]] = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        ranges.append(_range_of(part))
    ranges.sort(key=lambda pair: (pair[0].version, int(pair[0])))
    for (first_a, last_a), (first_b, last_b) in pairwise(ranges):
        if first_a.version == first_b.version and int(first_b) <= int(last_a):
            raise ValueError(f"{_show(first_a, last_a)} and {_show(first_b, last_b)} overlap")
    return StaticIpPool(tuple(ranges))


def _range_of(part: str) -> tuple[IPAddress, IPAddress]:
    if "-" in part:
        first_text, _, last_text = part.partition("-")
        try:
            first, last = ip_address(first_text.strip()), ip_address(last_text.strip())
        except ValueError:
            raise ValueError(f"{part!r} is not a range of two addresses") from None
        if first.version != last.version or int(last) < int(first):
            raise ValueError(f"{part!r} does not run from a lower address to a higher one")
        return first, last
    try:
        network = ip_network(part, strict=True)
    except ValueError:
        raise ValueError(f"{part!r} is neither an address, a CIDR nor a range") from None
    # Single addresses, /31 and /32 (/127, /128) have no network and broadcast to leave out.
    if network.num_addresses <= 2:
        return network[0], network[-1]
    if network.version == 4:
        return network[1], network[-2]
    return network[1], network[-1]


def _show(first: IPAddress, last: IPAddress) -> str:
    return str(first) if first == last else f"{first}-{last}"
