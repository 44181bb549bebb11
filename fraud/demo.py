"""Demo fraud signals (idempotent): the rules run over the whole demo network; HQ has confirmed one signal and
dismissed another, so the page shows every state. A second run finds the same signals and decides nothing again."""

import datetime

from repairnet import roles
from repairnet.models import User

from . import services
from .models import FraudSignal


def seed(*, stdout) -> None:
    """Demo data for this area (idempotent); called by manage.py seed_demo."""
    result = services.fraud_evaluate(actor=roles.SYSTEM, since=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    hq = User.objects.filter(username="hq").first()
    decided = FraudSignal.objects.exclude(status=FraudSignal.Status.OPEN).exists()
    if hq is not None and not decided:
        open_signals = list(FraudSignal.objects.filter(status=FraudSignal.Status.OPEN).order_by("pk")[:2])
        if open_signals:
            services.fraud_signal_confirm(signal_id=open_signals[0].pk, actor=hq, reason="演示：核实为虚假上门")
        if len(open_signals) > 1:
            services.fraud_signal_dismiss(signal_id=open_signals[1].pk, actor=hq, reason="演示：客户记错，已核实上门")
    stdout.write(f"  fraud signals: {result['created']} new, {FraudSignal.objects.count()} in all")
