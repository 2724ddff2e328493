// qstrs this port needs beyond those found in its sources (none yet)
