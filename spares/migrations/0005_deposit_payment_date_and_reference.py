"""Every deposit entry is money: the day it moved and the bank's reference of the transfer.

Entries booked before keep an empty reference and no date: the ledger is append-only (on PostgreSQL a trigger
refuses UPDATE), and adding a column with a default writes no row.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('spares', '0004_obligation_cancelled'),
    ]

    operations = [
        migrations.AddField(
            model_name='depositentry',
            name='bank_reference',
            field=models.CharField(blank=True, default='', max_length=64, verbose_name='Bank reference'),
        ),
        migrations.AddField(
            model_name='depositentry',
            name='paid_on',
            field=models.DateField(blank=True, null=True, verbose_name='Payment date'),
        ),
    ]
