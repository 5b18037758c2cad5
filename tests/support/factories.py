from support.models import Region


def make_region(
    code: str,
    *,
    hours: str = "Mon-Fri 08:00-17:00",
    tz: str = "UTC",
    languages=("en",),
    order: int = 0,
    **extra,
) -> Region:
    return Region.objects.create(
        code=code,
        name=f"{code} team",
        timezone=tz,
        hours=hours,
        languages=list(languages),
        order=order,
        **extra,
    )


def make_demo_regions() -> list[Region]:
    from support.demo import regions_load_demo

    return regions_load_demo()
