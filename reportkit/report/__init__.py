"""Word summary reports in official-document format (GB/T 9704-2012), built from a roll-up.

``source`` reads a roll-up's outputs, ``content`` turns them into wording and figures (pure),
``template`` builds the editable Word template, ``docx_writer`` renders it, ``charts`` draws
the charts and ``compile`` finds the subordinates' narrative documents to append.
"""
