import factory
from django.contrib.auth.models import Group

from repairnet import roles
from repairnet.models import Region, User
from repairnet.tokens import token_issue
from stations.models import Station, Tier

PASSWORD = "test-pass-123"


def region(code: str = "410102") -> Region:
    """Regions come from the data migration (Henan and Sichuan); 410102 is 郑州市中原区."""
    return Region.objects.get(code=code)


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"ST{n:04d}")
    name = factory.Sequence(lambda n: f"测试维修站{n}")
    tier = Tier.STATION

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.set(extracted or [region()])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"测试{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def make_user(role: str, station: Station | None = None, **kwargs) -> User:
    if role in roles.STATION_ROLES and station is None:
        station = StationFactory()
    return UserFactory(role=role, station=station, **kwargs)


def api_token(user: User) -> str:
    """A fresh API token for ``user`` (as POST /api/v1/auth/token/ gives), for ``Authorization: Token …``."""
    return token_issue(user=user)[1]
